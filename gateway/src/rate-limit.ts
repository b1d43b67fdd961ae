import { setTimeout as sleep } from 'node:timers/promises';
import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { Pool } from 'pg';
import type { Logger } from '@liyuan/kit';

/** Takes a token for a caller; resolves 0 when allowed, else the seconds until the next token. */
export interface Limiter {
  take(key: string): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A token bucket per caller (user id, or the client address for anonymous callers): `perMinute`
 * requests a minute on average with bursts up to `burst`. In-process: each gateway replica counts
 * its own callers, so N replicas allow N times the rate; {@link SharedRateLimiter} does not.
 */
export class RateLimiter implements Limiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): Promise<number> {
    const now = this.now();
    const rate = this.perMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + (now - b.at) * rate);
    b.at = now;
    this.buckets.set(key, b);
    if (this.buckets.size > 100_000) this.prune(now);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return Promise.resolve(0);
    }
    return Promise.resolve(Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000)));
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  private prune(now: number): void {
    const full = this.burst / (this.perMinute / 60_000);
    for (const [k, b] of this.buckets) if (now - b.at > full) this.buckets.delete(k);
  }
}

/** A bucket's tokens refilled up to now (every SET expression sees the row as it was). */
const REFILLED = `least($2::float8, b.tokens + extract(epoch FROM statement_timestamp() - b.at)::float8 * $3::float8)`;

/**
 * The same token buckets kept in PostgreSQL, which the platform already runs, so every gateway
 * replica draws from one bucket per caller: one statement per request refills and takes in a single
 * row update, and the row lock orders replicas taking from the same bucket at once. Buckets idle
 * long enough to be full again are deleted every minute. Should the database not answer, requests
 * are let through (and logged): the limit protects the platform, it must not take it down.
 */
export class SharedRateLimiter implements Limiter {
  private readonly pool: Pool;
  private ready: Promise<void> | undefined;
  private readonly sweeper: NodeJS.Timeout;
  private lastFailureLog = 0;

  constructor(
    databaseUrl: string,
    private readonly perMinute: number,
    private readonly burst: number,
    private readonly logger: Logger,
  ) {
    this.pool = new Pool({ connectionString: databaseUrl, max: 4 });
    this.pool.on('error', (err) => this.failed(err));
    const fullAfterSeconds = burst / (perMinute / 60);
    this.sweeper = setInterval(() => {
      this.ensureTable()
        .then(() =>
          this.pool.query(
            `DELETE FROM gateway_rate_limits WHERE at < statement_timestamp() - make_interval(secs => $1)`,
            [fullAfterSeconds],
          ),
        )
        .catch((err: unknown) => this.failed(err));
    }, 60_000);
    this.sweeper.unref();
  }

  async take(key: string): Promise<number> {
    const perSecond = this.perMinute / 60;
    try {
      await this.ensureTable();
      const { rows } = await this.pool.query<{ tokens: number; allowed: boolean }>(
        `INSERT INTO gateway_rate_limits AS b (key, tokens, allowed, at)
              VALUES ($1, $2::float8 - 1, true, statement_timestamp())
         ON CONFLICT (key) DO UPDATE SET
           allowed = ${REFILLED} >= 1,
           tokens = ${REFILLED} - CASE WHEN ${REFILLED} >= 1 THEN 1 ELSE 0 END,
           at = statement_timestamp()
         RETURNING tokens, allowed`,
        [key, this.burst, perSecond],
      );
      const row = rows[0]!;
      return row.allowed ? 0 : Math.max(1, Math.ceil((1 - row.tokens) / perSecond));
    } catch (err) {
      this.failed(err);
      return 0;
    }
  }

  /**
   * Creates the buckets' table once. Replicas starting together race to create it: the loser
   * gets a duplicate error, or under load another catalog conflict, and tries again (by then
   * `IF NOT EXISTS` sees the winner's table). A failure that persists is retried by the next
   * request.
   */
  private ensureTable(): Promise<void> {
    const create = async (): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.pool.query(
            `CREATE TABLE IF NOT EXISTS gateway_rate_limits (
               key text PRIMARY KEY,
               tokens double precision NOT NULL,
               allowed boolean NOT NULL,
               at timestamptz NOT NULL)`,
          );
          return;
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (code === '23505' || code === '42P07') return;
          // A catalog conflict with a concurrent creator: the next attempt sees its table.
          if (attempt >= 3 || code === undefined) throw err;
          await sleep(100 * attempt);
        }
      }
    };
    this.ready ??= create().catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    await this.pool.end();
  }

  private failed(err: unknown): void {
    const now = Date.now();
    if (now - this.lastFailureLog < 60_000) return;
    this.lastFailureLog = now;
    this.logger.warn({ err }, 'shared rate limit unavailable; requests are let through');
  }
}

/**
 * The address a request comes from. Behind an ingress or load balancer the socket's peer is the
 * proxy: when that peer is one of `trusted`, the client is the nearest address in
 * `X-Forwarded-For` (read from the right) that is not itself a trusted proxy. Otherwise, and for
 * a peer that is not trusted, the header is ignored, so a caller cannot choose its own bucket.
 */
export function clientAddress(req: IncomingMessage, trusted: BlockList | undefined): string {
  const peer = normalise(req.socket.remoteAddress ?? 'unknown');
  if (!trusted || !isTrusted(trusted, peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((h) => normalise(h.trim()))
    .filter((h) => isIP(h) !== 0);
  for (let i = hops.length - 1; i >= 0; i--) if (!isTrusted(trusted, hops[i]!)) return hops[i]!;
  return hops[0] ?? peer;
}

/** The trusted proxies (addresses or CIDR ranges, IPv4 or IPv6) as a list to match peers against. */
export function trustedProxies(entries: readonly string[]): BlockList | undefined {
  if (!entries.length) return undefined;
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

const normalise = (address: string): string =>
  address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;

const isTrusted = (list: BlockList, address: string): boolean => {
  const type = isIP(address);
  return type !== 0 && list.check(address, type === 6 ? 'ipv6' : 'ipv4');
};
