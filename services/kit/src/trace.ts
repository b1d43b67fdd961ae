import { randomBytes } from 'node:crypto';
import { TRACEPARENT } from '@liyuan/schemas';

/** A new W3C traceparent (sampled). */
export function newTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

/** The incoming traceparent when valid, else a fresh one: every request and event has a trace id. */
export function traceparentFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && TRACEPARENT.test(value) ? value : newTraceparent();
}

/** The trace id part of a traceparent, the one id a flow can be followed by across logs. */
export const traceIdOf = (traceparent: string): string => traceparent.split('-')[1] ?? '';
