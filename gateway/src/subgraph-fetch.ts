import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  Fetcher,
  FetcherHeaders,
  FetcherRequestInit,
  FetcherResponse,
} from '@apollo/utils.fetcher';
import { AppError, SpanKind, endSpan, startSpan, type Logger, type Tracer } from '@liyuan/kit';
import type { KeptAnswer } from './answer-store';
import type { SubgraphCache } from './subgraph-cache';

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

/** Whether a subgraph operation document is a mutation (the gateway writes its type first). */
export const isMutationDocument = (query: string | undefined): boolean =>
  /^\s*mutation\b/.test(query ?? '');

/** Whether a subgraph request body is a mutation (the gateway sends one operation per fetch). */
export function isMutation(body: unknown): boolean {
  if (typeof body !== 'string') return false;
  // The gateway serialises the query first: read its start instead of parsing the whole body
  // (a page of entity representations can be large).
  const head = /^\{"query":"(?:\\[nrt]|\s)*(\w+)/.exec(body);
  if (head) return head[1] === 'mutation';
  return isMutationDocument((JSON.parse(body) as { query?: string }).query);
}

/** A subgraph answer, read whole: what the gateway's data source uses of a fetch Response. */
export class SubgraphResponse implements FetcherResponse {
  readonly redirected = false;
  readonly type = 'basic' as const;
  bodyUsed = false;
  readonly headers: FetcherHeaders;

  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    private readonly raw: IncomingHttpHeaders,
    private readonly body: Buffer,
  ) {
    const get = (name: string): string | null => {
      const v = raw[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    };
    this.headers = {
      get,
      has: (name: string) => get(name) !== null,
      append: () => undefined,
      delete: () => undefined,
      set: () => undefined,
      entries: function* () {
        for (const k of Object.keys(raw)) yield [k, get(k)!] as [string, string];
      },
      keys: function* () {
        yield* Object.keys(raw);
      },
      values: function* () {
        for (const k of Object.keys(raw)) yield get(k)!;
      },
      [Symbol.iterator]: function* () {
        for (const k of Object.keys(raw)) yield [k, get(k)!] as [string, string];
      },
    };
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  async text(): Promise<string> {
    this.bodyUsed = true;
    return this.body.toString('utf8');
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    this.bodyUsed = true;
    return this.body.buffer.slice(
      this.body.byteOffset,
      this.body.byteOffset + this.body.byteLength,
    ) as ArrayBuffer;
  }
  clone(): SubgraphResponse {
    return new SubgraphResponse(this.url, this.status, this.statusText, this.raw, this.body);
  }

  /**
   * The answer as a cache may keep it, or undefined when it may not: anything but a 200, an answer
   * with errors, or one the subgraph marked `no-store` (an audited read).
   */
  keep(): KeptAnswer | undefined {
    if (this.status !== 200) return undefined;
    if (/no-store|private/.test(String(this.raw['cache-control'] ?? ''))) return undefined;
    if (this.body.includes('"errors"')) return undefined;
    const { url, status, statusText, raw: headers, body } = this;
    return { url, status, statusText, headers, body };
  }

  static fromKept(kept: KeptAnswer): SubgraphResponse {
    return new SubgraphResponse(kept.url, kept.status, kept.statusText, kept.headers, kept.body);
  }
}

class SubgraphTimeout extends Error {
  override name = 'TimeoutError';
}

// Kept-alive connections to the subgraphs, shared by every request of the process: a subgraph call
// reuses a warm socket instead of paying a TCP handshake (and the WHATWG fetch machinery).
// An idle socket is dropped after 4 s, well before a subgraph closes it (its keep-alive timeout is
// 65 s; a server left at Node's default closes after 5 s).
const agentOptions = {
  keepAlive: true,
  maxSockets: 256,
  maxFreeSockets: 64,
  scheduling: 'lifo' as const,
  timeout: 4000,
};
const agents = { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };

/**
 * One POST to a subgraph over a kept-alive connection, answered whole; the timeout covers the
 * whole exchange (connect, send, answer and body).
 */
export async function postToSubgraph(
  url: string,
  init: FetcherRequestInit,
  timeoutMs: number,
  options: { mutation: boolean } = { mutation: false },
): Promise<SubgraphResponse> {
  try {
    return await postOnce(url, init, timeoutMs);
  } catch (err) {
    // A reused socket reset before any answer is almost always one the subgraph closed while it
    // sat idle: a query goes again on a fresh connection. A mutation is never sent twice (the
    // idle timeout above makes such a socket rare; the caller sees SUBGRAPH_UNAVAILABLE).
    if ((err as { staleSocket?: boolean }).staleSocket && !options.mutation)
      return postOnce(url, init, timeoutMs);
    throw err;
  }
}

function postOnce(
  url: string,
  init: FetcherRequestInit,
  timeoutMs: number,
): Promise<SubgraphResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const body = init.body ?? '';
    let answered = false;
    const req = (secure ? httpsRequest : httpRequest)(
      target,
      {
        method: init.method ?? 'POST',
        agent: secure ? agents.https : agents.http,
        headers: { ...init.headers, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('aborted', () => fail(new Error('the subgraph closed the connection mid-answer')));
        res.on('end', () => {
          clearTimeout(timer);
          resolve(
            new SubgraphResponse(
              url,
              res.statusCode ?? 0,
              res.statusMessage ?? '',
              res.headers,
              chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
            ),
          );
        });
      },
    );
    function fail(err: Error): void {
      clearTimeout(timer);
      reject(err);
    }
    const timer = setTimeout(() => {
      const err = new SubgraphTimeout(`no answer within ${timeoutMs} ms`);
      req.destroy(err);
      fail(err);
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (req.reusedSocket && !answered && err.code === 'ECONNRESET')
        Object.assign(err, { staleSocket: true });
      fail(err);
    });
    req.end(body);
  });
}

/**
 * The gateway's fetch to one subgraph: a timeout per attempt (an AbortSignal), retries of queries
 * on network errors and 5xx with exponential backoff, and a circuit breaker that fails fast while
 * the subgraph keeps failing and lets one trial through after the cooldown. Failures surface as
 * SUBGRAPH_UNAVAILABLE naming the subgraph, so the rest of a query's answer still arrives.
 */
/** What the gateway's data source passes to its fetcher: headers as a plain object, a JSON body. */
type SubgraphInit = FetcherRequestInit;

export function resilientFetcher(
  subgraph: string,
  s: ResilienceSettings,
  logger: Logger,
  tracer?: Tracer,
  cache?: SubgraphCache,
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

  // With a cache, a query may be answered without a call; a mutation evicts and announces.
  const fetcher = (input: string, init?: SubgraphInit): Promise<SubgraphResponse> => {
    const mutation = isMutation(init?.body);
    if (!cache) return traced(input, init, mutation);
    if (mutation) return cache.mutation(subgraph, () => traced(input, init, mutation));
    return cache.query(
      subgraph,
      init ?? {},
      (sent) => traced(input, sent, mutation),
      (kept) => SubgraphResponse.fromKept(kept),
    );
  };

  // Each subgraph call is a client span of the request's trace; the subgraph continues it.
  const traced = async (
    input: string,
    init: SubgraphInit | undefined,
    mutation: boolean,
  ): Promise<SubgraphResponse> => {
    const parent = init?.headers?.traceparent;
    if (!tracer || !parent) return attempt(input, init, mutation);
    const { span, traceparent } = startSpan(
      tracer,
      `subgraph ${subgraph}`,
      parent,
      SpanKind.CLIENT,
      {
        'peer.service': subgraph,
      },
    );
    try {
      const res = await attempt(
        input,
        { ...init, headers: { ...init.headers, traceparent } },
        mutation,
      );
      endSpan(span);
      return res;
    } catch (err) {
      endSpan(span, err);
      throw err;
    }
  };

  const attempt = async (
    input: string,
    init: SubgraphInit | undefined,
    mutation: boolean,
  ): Promise<SubgraphResponse> => {
    let trial = false;
    if (openUntil !== 0) {
      // Open: fail fast until the cooldown ends, then let a single trial request through.
      if (Date.now() < openUntil || trialInFlight) throw unavailable(subgraph, 'circuit open');
      trial = true;
      trialInFlight = true;
    }
    const attempts = mutation || trial ? 1 : 1 + s.retries;
    let why = '';
    try {
      for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
          const res = await postToSubgraph(input, init ?? {}, s.timeoutMs, { mutation });
          if (res.status < 500) {
            succeeded();
            return res;
          }
          why = `HTTP ${res.status}`;
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
  return fetcher;
}
