import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { requestStatements } from './db/query-counter';
import { AppError } from './errors';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

/** Response header with the number of SQL statements the request ran. */
export const STATEMENTS_HEADER = 'x-db-statements';

/** Readiness of the process's dependencies, by name (e.g. `{ database: true, kafka: false }`). */
export type ReadinessCheck = () => Promise<Record<string, boolean>>;

/** Extra plain-HTTP routes a process serves beside GraphQL (e.g. the gateway's status page). */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface HttpServerOptions<TContext extends BaseContext> {
  host: string;
  port: number;
  logger: Logger;
  metrics: Metrics;
  ready: ReadinessCheck;
  bodyLimitBytes: number;
  graphql: {
    server: ApolloServer<TContext>;
    /** Builds the request context; an AppError UNAUTHENTICATED here answers 401, RATE_LIMITED 429. */
    context: (req: IncomingMessage) => Promise<TContext>;
    /** Runs the execution of one request (e.g. inside its trace span). */
    around?: <T>(context: TContext, execute: () => Promise<T>) => Promise<T>;
  };
  routes?: Record<string, RouteHandler>;
  /** Handles protocol upgrades (the gateway's WebSocket subscriptions). */
  upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Runs first when the server closes (ends long-lived streams so the close is not held up). */
  beforeClose?: () => Promise<void>;
  /** What /health/live reports besides `status` (service name, version, schema hash). */
  info?: Record<string, string>;
}

export interface RunningHttpServer {
  port: number;
  url: string;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes the rest. */
  close(graceMs?: number): Promise<void>;
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(text);
}

function graphqlError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}

/**
 * Serves GraphQL at `/graphql` (and `/`), liveness at `/health/live`, readiness at `/health/ready`
 * and Prometheus metrics at `/metrics`, on Node's own HTTP server.
 */
export async function startHttpServer<TContext extends BaseContext>(
  opts: HttpServerOptions<TContext>,
): Promise<RunningHttpServer> {
  const { logger, metrics } = opts;
  let shuttingDown = false;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<string> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path === '/health/live') {
      sendJson(res, 200, { status: 'ok', ...opts.info });
      return 'live';
    }
    if (path === '/health/ready') {
      const checks = shuttingDown ? { shuttingDown: false } : await opts.ready();
      const ok = Object.values(checks).every(Boolean);
      sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : 'not_ready', checks });
      return 'ready';
    }
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(await metrics.registry.metrics());
      return 'metrics';
    }
    const extra = opts.routes?.[path];
    if (extra) {
      await extra(req, res);
      return path;
    }
    if (path !== '/graphql' && path !== '/') {
      sendJson(res, 404, { error: 'not found' });
      return 'other';
    }

    let body: unknown;
    if (req.method === 'POST') {
      let text: string;
      try {
        text = await readBody(req, opts.bodyLimitBytes);
      } catch (e) {
        if (e instanceof BodyTooLarge) {
          // The rest of the body is never read: the connection cannot carry another request.
          const socket = req.socket;
          res.setHeader('connection', 'close');
          res.once('finish', () => socket?.destroySoon());
          graphqlError(
            res,
            413,
            'BAD_REQUEST',
            `request body exceeds ${opts.bodyLimitBytes} bytes`,
          );
          return 'graphql';
        }
        throw e;
      }
      try {
        body = text.length ? JSON.parse(text) : {};
      } catch {
        graphqlError(res, 400, 'BAD_REQUEST', 'request body is not valid JSON');
        return 'graphql';
      }
    }

    let context: TContext;
    try {
      context = await opts.graphql.context(req);
    } catch (e) {
      if (e instanceof AppError && e.code === 'UNAUTHENTICATED') {
        graphqlError(res, 401, 'UNAUTHENTICATED', e.message);
        return 'graphql';
      }
      if (e instanceof AppError && e.code === 'RATE_LIMITED') {
        res.setHeader('retry-after', String(e.retryAfterSeconds ?? 1));
        graphqlError(res, 429, 'RATE_LIMITED', e.message);
        return 'graphql';
      }
      throw e;
    }

    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    // Statements this request ran (not the relay's or consumers'): tests assert them (no N+1).
    const statements = { count: 0 };
    const execute = () =>
      opts.graphql.server.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
        context: async () => context,
      });
    const around = opts.graphql.around;
    const response = await requestStatements.run(statements, () =>
      around ? around(context, execute) : execute(),
    );
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.setHeader(STATEMENTS_HEADER, String(statements.count));
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
    } else {
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    }
    return 'graphql';
  };

  const server: Server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    handle(req, res)
      .then((route) => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        metrics.httpDuration.observe({ route, status: String(res.statusCode) }, seconds);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'unhandled error serving HTTP request');
        if (!res.headersSent)
          graphqlError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
        else res.end();
      });
  });
  server.keepAliveTimeout = 65_000;
  if (opts.upgrade) server.on('upgrade', opts.upgrade);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;

  return {
    port,
    url: `http://${host}:${port}/graphql`,
    close: async (graceMs = 10_000) => {
      shuttingDown = true;
      await opts.beforeClose?.();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
    },
  };
}
