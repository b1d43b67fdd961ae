import { setTimeout as sleep } from 'node:timers/promises';
import type { Fetcher } from '@apollo/utils.fetcher';
import { AppError, SpanKind, endSpan, startSpan, type Logger, type Tracer } from '@liyuan/kit';

export interface ResilienceSettings {
  /** Each attempt is aborted after this long. */
  timeoutMs: number;
  /** Extra attempts for queries on network errors and 5xx answers (never for mutations). */
  retries: number;
  retryBackoffMs: number;
  /** Consecutive failures that open the circuit, and how long it stays open. */
  breakerFailures: number;
  breakerCooldownMs: number;
}

const unavailable = (subgraph: string, why: string) =>
  new AppError('SUBGRAPH_UNAVAILABLE', `the ${subgraph} subgraph is unavailable (${why})`);

/** Whether a subgraph request body is a mutation (the gateway sends one operation per fetch). */
export function isMutation(body: unknown): boolean {
  if (typeof body !== 'string') return false;
  const query = (JSON.parse(body) as { query?: string }).query ?? '';
  return /^\s*mutation\b/.test(query);
}

/**
 * The gateway's fetch to one subgraph: a timeout per attempt (an AbortSignal), retries of queries
 * on network errors and 5xx with exponential backoff, and a circuit breaker that fails fast while
 * the subgraph keeps failing and lets one trial through after the cooldown. Failures surface as
 * SUBGRAPH_UNAVAILABLE naming the subgraph, so the rest of a query's answer still arrives.
 */
export function resilientFetcher(
  subgraph: string,
  s: ResilienceSettings,
  logger: Logger,
  tracer?: Tracer,
): Fetcher {
  let failures = 0;
  let openUntil = 0;
  let trialInFlight = false;
  const succeeded = () => {
    if (failures >= s.breakerFailures) logger.info({ subgraph }, 'subgraph circuit closed');
    failures = 0;
    openUntil = 0;
  };
  const failed = () => {
    failures += 1;
    if (failures >= s.breakerFailures) {
      if (openUntil === 0) logger.warn({ subgraph, failures }, 'subgraph circuit opened');
      openUntil = Date.now() + s.breakerCooldownMs;
    }
  };

  // Each subgraph call is a client span of the request's trace; the subgraph continues it.
  const fetcher = async (input: string, init?: RequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers);
    const parent = headers.get('traceparent');
    if (!tracer || !parent) return attempt(input, init);
    const { span, traceparent } = startSpan(
      tracer,
      `subgraph ${subgraph}`,
      parent,
      SpanKind.CLIENT,
      {
        'peer.service': subgraph,
      },
    );
    headers.set('traceparent', traceparent);
    try {
      const res = await attempt(input, { ...init, headers });
      endSpan(span);
      return res;
    } catch (err) {
      endSpan(span, err);
      throw err;
    }
  };

  const attempt = async (input: string, init?: RequestInit): Promise<Response> => {
    let trial = false;
    if (openUntil !== 0) {
      // Open: fail fast until the cooldown ends, then let a single trial request through.
      if (Date.now() < openUntil || trialInFlight) throw unavailable(subgraph, 'circuit open');
      trial = true;
      trialInFlight = true;
    }
    const attempts = isMutation(init?.body) || trial ? 1 : 1 + s.retries;
    let why = '';
    try {
      for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
          const res = await fetch(input, { ...init, signal: AbortSignal.timeout(s.timeoutMs) });
          if (res.status < 500) {
            succeeded();
            return res;
          }
          why = `HTTP ${res.status}`;
          await res.body?.cancel();
        } catch (err) {
          const name = (err as Error).name;
          if (name === 'TimeoutError' || name === 'AbortError') {
            // A timed-out attempt is not retried: the request would cost several timeouts.
            failed();
            throw unavailable(subgraph, `no answer within ${s.timeoutMs} ms`);
          }
          why = 'unreachable';
        }
        if (attempt < attempts) await sleep(s.retryBackoffMs * 2 ** (attempt - 1));
      }
      failed();
      throw unavailable(subgraph, why);
    } finally {
      if (trial) trialInFlight = false;
    }
  };
  return fetcher as unknown as Fetcher;
}
