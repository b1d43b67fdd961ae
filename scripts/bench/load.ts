import autocannon from 'autocannon';

/** What one load run measured. */
export interface LoadResult {
  connections: number;
  durationS: number;
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** Non-2xx answers. */
  non2xx: number;
  /** 2xx answers whose body carries GraphQL errors (other than expected CONFLICTs). */
  graphqlErrors: number;
  /** 2xx answers that are an expected CONFLICT (bookings). */
  conflicts: number;
  /** Connection errors and timeouts. */
  transportErrors: number;
  /** A few error bodies, for the log. */
  errorSamples: string[];
}

export interface LoadSpec {
  url: string;
  connections: number;
  durationS: number;
  /** Fixed headers of every request. */
  headers?: Record<string, string>;
  /** Headers computed per request (e.g. a fresh HMAC signature). */
  dynamicHeaders?: () => Record<string, string>;
  /** The JSON body of each request. */
  body: () => string;
  /** Treat a GraphQL CONFLICT as an expected outcome, counted apart from errors. */
  conflictsExpected?: boolean;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

const percentile = (sorted: number[], p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;

/**
 * Runs autocannon against a GraphQL endpoint. Latency percentiles are computed from every
 * response time autocannon reports; every 2xx body is checked for a top-level `errors` member
 * (a substring test on the raw body; CONFLICTs are classified by their error code).
 */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  let graphqlErrors = 0;
  let conflicts = 0;
  const errorSamples: string[] = [];
  const times: number[] = [];
  let finish!: (r: autocannon.Result) => void;
  let fail!: (e: Error) => void;
  const done = new Promise<autocannon.Result>((res, rej) => {
    finish = res;
    fail = rej;
  });
  const instance = autocannon(
    {
      url: spec.url,
      connections: spec.connections,
      duration: spec.durationS,
      timeout: 30,
      requests: [
        {
          method: 'POST',
          path: new URL(spec.url).pathname,
          setupRequest: (req) => ({
            ...req,
            headers: {
              'content-type': 'application/json',
              ...spec.headers,
              ...spec.dynamicHeaders?.(),
            },
            body: spec.body(),
          }),
          onResponse: (status, body) => {
            if (status < 200 || status >= 300) {
              if (errorSamples.length < 5) errorSamples.push(`${status} ${body.slice(0, 300)}`);
              return;
            }
            if (!body.includes('"errors"')) return;
            if (spec.conflictsExpected && body.includes('"CONFLICT"')) {
              conflicts++;
              return;
            }
            graphqlErrors++;
            if (errorSamples.length < 5) errorSamples.push(body.slice(0, 400));
          },
        },
      ],
    },
    (err, result) => (err ? fail(err as Error) : finish(result)),
  );
  instance.on('response', (_client, _status, _bytes, responseTime) => {
    times.push(responseTime);
  });
  const result = await done;
  times.sort((a, b) => a - b);
  const requests = result.requests.total;
  return {
    connections: spec.connections,
    durationS: spec.durationS,
    requests,
    rps: requests / (result.duration || spec.durationS),
    p50: round1(percentile(times, 50)),
    p95: round1(percentile(times, 95)),
    p99: round1(percentile(times, 99)),
    non2xx: result.non2xx,
    graphqlErrors,
    conflicts,
    transportErrors: result.errors + result.timeouts,
    errorSamples,
  };
}
