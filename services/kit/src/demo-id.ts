import { createHash } from 'node:crypto';

/**
 * A stable id for demo data (`demoId('resident', 17)` is the same in every service and on every
 * machine), so each service's synthetic data can refer to the others' without calling them. It is
 * shaped as a version-4 UUID so it passes the same validation as real ids.
 */
export function demoId(kind: string, n: number): string {
  const h = createHash('sha256').update(`liyuan-demo:${kind}:${n}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x40;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
