import { Client } from 'pg';

/**
 * pg 9 refuses a query sent on a client that is still executing another (pg 8 only prints a
 * DeprecationWarning, once per process). Every test file runs with this guard: such a query fails
 * the test it happens in, with the stack that sent it, so the next pg major is a version bump.
 */
const seen: string[] = [];
interface ClientInternals {
  _activeQuery?: unknown;
  _queryQueue?: unknown[];
  pipeline?: boolean;
}
const proto = Client.prototype as unknown as Record<string, unknown>;
const guarded = Symbol.for('liyuan.pg-strict');
if (!proto[guarded as unknown as string]) {
  const original = Client.prototype.query as (...args: unknown[]) => unknown;
  proto.query = function (this: ClientInternals, ...args: unknown[]) {
    if (!this.pipeline && (this._activeQuery || (this._queryQueue?.length ?? 0) > 0)) {
      seen.push(new Error('query sent while another runs on the same client').stack ?? '');
    }
    return original.apply(this, args);
  };
  proto[guarded as unknown as string] = true;
}

/** Queries flagged since the last call (the guard's own test reads them). */
export const takeViolations = (): string[] => seen.splice(0);

const check = (): void => {
  const found = takeViolations();
  if (found.length) {
    throw new Error(
      `pg: ${found.length} quer${found.length === 1 ? 'y was' : 'ies were'} sent on a client already executing one (an error from pg 9 on); the first:\n${found[0]}`,
    );
  }
};
afterEach(check);
afterAll(check);
