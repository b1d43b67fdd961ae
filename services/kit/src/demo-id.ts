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

/** A small seeded random generator (mulberry32): demo data is the same on every first start. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
