import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type ProxyMode = 'pass' | 'fail502' | 'hang';

/**
 * An HTTP proxy in front of a subgraph whose behaviour a test switches: pass requests through,
 * answer 502, or hold them without answering (a subgraph that sleeps). It counts GraphQL requests.
 */
export interface HttpProxy {
  url: string;
  hits: number;
  mode: ProxyMode;
  /** Answers the next `n` requests with 502, then passes again. */
  failNext(n: number): void;
  close(): Promise<void>;
}

export async function startHttpProxy(target: string): Promise<HttpProxy> {
  const held: ServerResponse[] = [];
  let failures = 0;
  const state: { hits: number; mode: ProxyMode } = { hits: 0, mode: 'pass' };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // Only GraphQL calls count (the gateway's status page also polls health and metrics).
    if ((req.url ?? '').startsWith('/graphql')) state.hits += 1;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (failures > 0) {
      failures -= 1;
      res.writeHead(502).end('bad gateway');
      return;
    }
    if (state.mode === 'fail502') {
      res.writeHead(502).end('bad gateway');
      return;
    }
    if (state.mode === 'hang') {
      held.push(res);
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
    }
    try {
      const upstream = await fetch(new URL(req.url ?? '/graphql', target), {
        method: req.method,
        headers,
        body: Buffer.concat(chunks),
      });
      const body = Buffer.from(await upstream.arrayBuffer());
      res.writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'application/json',
      });
      res.end(body);
    } catch {
      res.writeHead(502).end('upstream unreachable');
    }
  };
  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    get hits() {
      return state.hits;
    },
    get mode() {
      return state.mode;
    },
    set mode(m: ProxyMode) {
      state.mode = m;
    },
    failNext: (n) => {
      failures = n;
    },
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
