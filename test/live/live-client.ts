import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { FormattedExecutionResult } from 'graphql';
import { waitFor } from '../support/wait';

/** A subscription over WebSocket as Apollo Client's GraphQLWsLink opens it (graphql-ws). */
export interface WsSubscription {
  results: FormattedExecutionResult[];
  /** Errors the server answered the subscription with (it ended). */
  errors: unknown[];
  /** The close event of the connection, once it closed. */
  closed?: { code: number; reason: string };
  completed: boolean;
  /** The underlying WebSocket once connected (a test may pause reading from it). */
  socket?: WebSocket;
  dispose(): Promise<void>;
}

export function wsSubscribe(
  url: string,
  token: string | undefined,
  query: string,
  variables: Record<string, unknown>,
  extensions: Record<string, unknown> = {},
): WsSubscription {
  const sub: WsSubscription = {
    results: [],
    errors: [],
    completed: false,
    dispose: async () => undefined,
  };
  const client: Client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    // The close is kept in `closed` for the test to assert, not logged.
    onNonLazyError: () => undefined,
    on: {
      connected: (socket) => {
        sub.socket = socket as WebSocket;
      },
      closed: (e) => {
        const ev = e as { code: number; reason: string };
        sub.closed = { code: ev.code, reason: String(ev.reason) };
      },
    },
  });
  const unsubscribe = client.subscribe(
    { query, variables, extensions },
    {
      next: (r) => sub.results.push(r as FormattedExecutionResult),
      error: (e) => sub.errors.push(e),
      complete: () => (sub.completed = true),
    },
  );
  sub.dispose = async () => {
    unsubscribe();
    await client.dispose();
  };
  return sub;
}

/** One SSE frame as the gateway writes it. */
export interface SseFrame {
  id?: string;
  event?: string;
  data: string;
}

/** A GraphQL-over-SSE stream read with fetch (as graphql-sse's client does, or curl -N). */
export interface SseStream {
  status: number;
  frames: SseFrame[];
  ended: boolean;
  close(): void;
}

export async function sseSubscribe(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown>,
  lastEventId?: string,
): Promise<SseStream> {
  const abort = new AbortController();
  const res = await fetch(url.replace(/\/graphql$/, '/graphql/stream'), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: `Bearer ${token}`,
      ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
    },
    body: JSON.stringify({ query, variables }),
    signal: abort.signal,
  });
  const stream: SseStream = {
    status: res.status,
    frames: [],
    ended: false,
    close: () => abort.abort(),
  };
  if (!res.body || res.status !== 200) {
    stream.frames.push({ data: await res.text() });
    stream.ended = true;
    return stream;
  }
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const frame: SseFrame = { data: '' };
          let has = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const [k, ...rest] = line.split(':');
            const v = rest.join(':').replace(/^ /, '');
            if (k === 'id') frame.id = v;
            else if (k === 'event') frame.event = v;
            else if (k === 'data') frame.data += v;
            else continue;
            has = true;
          }
          if (has) stream.frames.push(frame);
        }
      }
    } catch {
      // aborted by close()
    } finally {
      stream.ended = true;
    }
  })();
  return stream;
}

/** The sum of the samples of a gateway metric (its /metrics) whose labels include `labels`. */
export async function gatewayMetric(
  port: number,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)$`, 'gm'))) {
    const have = Object.fromEntries(
      [...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) n += Number(m[2]);
  }
  return n;
}

/** Ends every stream in `open` (emptying it), then waits until the gateway serves no subscription. */
export async function endAll(open: (WsSubscription | SseStream)[], port: number): Promise<void> {
  for (const s of open.splice(0)) {
    if ('dispose' in s) await s.dispose();
    else s.close();
  }
  await waitFor('every subscription ended', async () =>
    (await gatewayMetric(port, 'live_subscriptions')) === 0 ? true : undefined,
  );
}
