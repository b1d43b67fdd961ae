import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { CloseCode, type SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { AppError, type Caller, type Logger } from '@liyuan/kit';
import { LiveEngine, type CloseReason, type LiveMessage, type LiveSubscription } from './engine';
import type { LiveMetrics } from './metrics';

export interface LiveTransportOptions {
  engine: LiveEngine;
  /** The gateway's current API schema (undefined until the supergraph is loaded). */
  schema: () => GraphQLSchema | undefined;
  /** Verifies an `Authorization` header value; throws UNAUTHENTICATED for a bad token. */
  authenticate: (
    header: string | undefined,
  ) => Promise<{ caller: Caller; expiresAt: number | null }>;
  /** Takes one from the caller's rate-limit bucket: ms to wait, 0 when allowed. */
  rateLimit: (caller: Caller, req: IncomingMessage) => Promise<number>;
  rules: ValidationRule[];
  maxTokens: number;
  /** Hashes allowed by the safelist, or undefined when every operation is. */
  safelist?: { allows(document: DocumentNode): boolean };
  maxSubscriptionsPerConnection: number;
  maxConnectionsPerCaller: number;
  metrics: LiveMetrics;
  logger: Logger;
}

/** WebSocket close codes the gateway ends a connection with, and what a client should do. */
export const LIVE_CLOSE = {
  /** The token expired: sign in again, then resume. */
  token_expired: { code: CloseCode.Unauthorized, reason: 'Unauthorized: token expired' },
  /** The client read too slowly: reconnect and resume. */
  slow_consumer: { code: 1013, reason: 'Try again later: client too slow' },
  /** This gateway is stopping: reconnect (another replica) and resume. */
  shutdown: { code: 1012, reason: 'Service restart: reconnect and resume' },
  error: { code: 1011, reason: 'Internal error: reconnect and resume' },
} as const satisfies Record<CloseReason, { code: number; reason: string }>;

const formatted = (e: GraphQLFormattedError) =>
  new GraphQLError(e.message, { extensions: e.extensions ?? {} });

const errorOf = (code: string, message: string): GraphQLFormattedError => ({
  message,
  extensions: { code },
});

/**
 * Live updates over WebSocket (`graphql-ws`, what Apollo Client's GraphQLWsLink speaks; the upgrade
 * at `/graphql`) and Server-Sent Events (the GraphQL over SSE protocol's distinct-connections mode
 * at `/graphql/stream`, every frame with its position as the event id). Both check a subscription
 * as an HTTP request is checked (sign-in, rate limit, limits, safelist) before the engine takes it.
 */
export class LiveTransports {
  private readonly wss: WebSocketServer;
  private readonly perCaller = new Map<string, number>();
  /** Open SSE streams, each settled once its response has ended. */
  private readonly streams = new Set<Promise<void>>();
  private readonly disposeWs: { dispose(): Promise<void> | void };

  constructor(private readonly o: LiveTransportOptions) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 1_048_576 });
    this.disposeWs = this.serveWebSocket();
  }

  /** For the HTTP server's `upgrade` event. */
  upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/graphql' && path !== '/') {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  };

  /** Ends every connection with a reconnect hint (the gateway is stopping). */
  async close(): Promise<void> {
    // Each SSE stream writes its reconnect hint and ends as its subscription closes.
    this.o.engine.closeAll('shutdown');
    for (const ws of this.wss.clients) this.end(ws, 'shutdown');
    await Promise.all(this.streams);
    await this.disposeWs.dispose();
    await new Promise<void>((r) => this.wss.close(() => r()));
  }

  /** Closes a WebSocket for a reason of the gateway's, once (its other subscriptions end with it). */
  private end(ws: WebSocket, reason: CloseReason): void {
    if (ws.readyState !== ws.OPEN) return;
    this.o.metrics.disconnects.inc({ transport: 'ws', reason });
    // A client that stopped reading gets the close frame behind what it has not read; `ws`
    // destroys the socket if the closing handshake has not finished within 30 s.
    ws.close(LIVE_CLOSE[reason].code, LIVE_CLOSE[reason].reason);
  }

  private admit(userId: string): boolean {
    const n = this.perCaller.get(userId) ?? 0;
    if (n >= this.o.maxConnectionsPerCaller) return false;
    this.perCaller.set(userId, n + 1);
    return true;
  }

  private release(userId: string): void {
    const n = (this.perCaller.get(userId) ?? 1) - 1;
    if (n <= 0) this.perCaller.delete(userId);
    else this.perCaller.set(userId, n);
  }

  /** Parses and validates a subscription document, or says why not. */
  private check(payload: {
    query?: unknown;
    operationName?: unknown;
  }): { document: DocumentNode; schema: GraphQLSchema } | { errors: GraphQLFormattedError[] } {
    const schema = this.o.schema();
    if (!schema)
      return { errors: [errorOf('SERVICE_UNAVAILABLE', 'the supergraph is not loaded yet')] };
    if (typeof payload.query !== 'string' || !payload.query)
      return { errors: [errorOf('BAD_REQUEST', 'a subscription needs a query')] };
    let document: DocumentNode;
    try {
      document = parse(payload.query, { maxTokens: this.o.maxTokens });
    } catch (e) {
      return { errors: [errorOf('GRAPHQL_PARSE_FAILED', (e as Error).message)] };
    }
    const invalid = validate(schema, document, [...specifiedRules, ...this.o.rules]);
    if (invalid.length)
      return {
        errors: invalid.map((e) => ({
          message: e.message,
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
        })),
      };
    const operationName = typeof payload.operationName === 'string' ? payload.operationName : null;
    if (!LiveEngine.isSubscription(document, operationName))
      return {
        errors: [
          errorOf(
            'BAD_REQUEST',
            'only subscriptions are served here; send queries and mutations over HTTP',
          ),
        ],
      };
    if (this.o.safelist && !this.o.safelist.allows(document))
      return { errors: [errorOf('FORBIDDEN', 'this operation is not in the safelist')] };
    return { document, schema };
  }

  private serveWebSocket(): { dispose(): Promise<void> | void } {
    type Extra = {
      socket: WebSocket;
      request: IncomingMessage;
      caller?: Caller;
      expiresAt?: number | null;
      subs?: Map<string, LiveSubscription>;
      counted?: boolean;
    };
    const { metrics } = this.o;
    return useServer<Record<string, unknown> | undefined, Extra>(
      {
        onConnect: async (ctx) => {
          const params = ctx.connectionParams ?? {};
          const header =
            (typeof params.authorization === 'string' && params.authorization) ||
            (typeof params.Authorization === 'string' && params.Authorization) ||
            ctx.extra.request.headers.authorization;
          try {
            const { caller, expiresAt } = await this.o.authenticate(header || undefined);
            if (caller.userId === null) {
              metrics.refused.inc({ reason: 'unauthenticated' });
              ctx.extra.socket.close(CloseCode.Unauthorized, 'Unauthorized: sign in to subscribe');
              return false;
            }
            if (!this.admit(caller.userId)) {
              metrics.refused.inc({ reason: 'connections_per_caller' });
              ctx.extra.socket.close(4429, 'Too many connections for this caller');
              return false;
            }
            ctx.extra.caller = caller;
            ctx.extra.expiresAt = expiresAt;
            ctx.extra.subs = new Map();
            ctx.extra.counted = true;
            metrics.connections.inc({ transport: 'ws' });
            return true;
          } catch (e) {
            metrics.refused.inc({ reason: 'unauthenticated' });
            const message = e instanceof AppError ? e.message : 'invalid token';
            ctx.extra.socket.close(
              CloseCode.Unauthorized,
              `Unauthorized: ${message}`.slice(0, 120),
            );
            return false;
          }
        },
        onClose: (ctx) => {
          for (const s of ctx.extra.subs?.values() ?? []) s.close();
          if (ctx.extra.counted && ctx.extra.caller?.userId) {
            this.release(ctx.extra.caller.userId);
            metrics.connections.dec({ transport: 'ws' });
          }
        },
        onSubscribe: async (ctx, id, payload: SubscribePayload) => {
          const caller = ctx.extra.caller!;
          const subs = ctx.extra.subs!;
          if (subs.size >= this.o.maxSubscriptionsPerConnection) {
            metrics.refused.inc({ reason: 'subscriptions_per_connection' });
            return [
              formatted(
                errorOf(
                  'BAD_REQUEST',
                  `at most ${this.o.maxSubscriptionsPerConnection} subscriptions per connection`,
                ),
              ),
            ];
          }
          const wait = await this.o.rateLimit(caller, ctx.extra.request);
          if (wait > 0) {
            metrics.refused.inc({ reason: 'rate_limited' });
            return [formatted(errorOf('RATE_LIMITED', 'too many requests'))];
          }
          const checked = this.check(payload);
          if ('errors' in checked) {
            metrics.refused.inc({ reason: 'invalid' });
            return checked.errors.map(formatted);
          }
          const resumeFrom = payload.extensions?.resumeFrom;
          const started = await this.o.engine.subscribe({
            schema: checked.schema,
            document: checked.document,
            operationName: payload.operationName,
            variables: payload.variables,
            caller,
            expiresAt: ctx.extra.expiresAt ?? null,
            resumeFrom: typeof resumeFrom === 'string' ? resumeFrom : null,
          });
          if ('errors' in started) {
            metrics.refused.inc({ reason: 'refused' });
            return started.errors.map(formatted);
          }
          subs.set(id, started);
          started.onClose((reason) => {
            subs.delete(id);
            if (reason && reason !== 'shutdown') this.end(ctx.extra.socket, reason);
          });
          return {
            schema: checked.schema,
            document: checked.document,
            variableValues: payload.variables,
            contextValue: { subscription: started },
          };
        },
        subscribe: (args) => {
          const sub = (args.contextValue as { subscription: LiveSubscription }).subscription;
          return results(sub, (m) => {
            metrics.latency.observe(
              { transport: 'ws' },
              Math.max(0, Date.now() - m.appendedAt) / 1000,
            );
          });
        },
        onComplete: (ctx, id) => {
          ctx.extra.subs?.get(id)?.close();
        },
      },
      this.wss,
    );
  }

  /**
   * `GET /graphql/stream?query=…&variables=…` (what an EventSource sends; the token as
   * `access_token` since EventSource cannot set headers) or `POST /graphql/stream` with a JSON body
   * and `Authorization`. Resumes from `Last-Event-ID` (sent by EventSource when it reconnects) or a
   * `lastEventId` parameter.
   */
  sse = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let body: Record<string, unknown> = {};
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of req) {
        size += (c as Buffer).length;
        if (size > 1_048_576)
          return json(res, 413, [errorOf('BAD_REQUEST', 'request body too large')]);
        chunks.push(c as Buffer);
      }
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<
          string,
          unknown
        >;
      } catch {
        return json(res, 400, [errorOf('BAD_REQUEST', 'request body is not valid JSON')]);
      }
    } else if (req.method === 'GET') {
      body = {
        query: url.searchParams.get('query'),
        operationName: url.searchParams.get('operationName'),
      };
      const vars = url.searchParams.get('variables');
      try {
        if (vars) body.variables = JSON.parse(vars);
      } catch {
        return json(res, 400, [errorOf('BAD_REQUEST', 'variables is not valid JSON')]);
      }
    } else {
      res.setHeader('allow', 'GET, POST');
      return json(res, 405, [errorOf('BAD_REQUEST', 'use GET or POST')]);
    }
    const token = url.searchParams.get('access_token');
    let auth: { caller: Caller; expiresAt: number | null };
    try {
      auth = await this.o.authenticate(
        req.headers.authorization ?? (token ? `Bearer ${token}` : undefined),
      );
    } catch (e) {
      return json(res, 401, [
        errorOf('UNAUTHENTICATED', e instanceof AppError ? e.message : 'invalid token'),
      ]);
    }
    const { caller } = auth;
    if (caller.userId === null)
      return json(res, 401, [errorOf('UNAUTHENTICATED', 'sign in to subscribe')]);
    const wait = await this.o.rateLimit(caller, req);
    if (wait > 0) {
      res.setHeader('retry-after', String(Math.ceil(wait / 1000)));
      return json(res, 429, [errorOf('RATE_LIMITED', 'too many requests')]);
    }
    const checked = this.check(body);
    if ('errors' in checked) return json(res, 400, checked.errors);
    if (!this.admit(caller.userId)) {
      this.o.metrics.refused.inc({ reason: 'connections_per_caller' });
      return json(res, 429, [errorOf('RATE_LIMITED', 'too many live connections for this caller')]);
    }
    try {
      const lastEventId =
        (req.headers['last-event-id'] as string | undefined) ?? url.searchParams.get('lastEventId');
      const started = await this.o.engine.subscribe({
        schema: checked.schema,
        document: checked.document,
        operationName: typeof body.operationName === 'string' ? body.operationName : null,
        variables: (body.variables as Record<string, unknown> | undefined) ?? null,
        caller,
        expiresAt: auth.expiresAt,
        resumeFrom: lastEventId || null,
      });
      if ('errors' in started) {
        const code = String(started.errors[0]?.extensions?.code ?? '');
        return json(
          res,
          code === 'FORBIDDEN' ? 403 : code === 'UNAUTHENTICATED' ? 401 : 400,
          started.errors,
        );
      }
      const streaming = this.stream(req, res, started);
      const settled = streaming.catch(() => undefined);
      this.streams.add(settled);
      try {
        await streaming;
      } finally {
        this.streams.delete(settled);
      }
    } finally {
      this.release(caller.userId);
    }
  };

  private async stream(
    req: IncomingMessage,
    res: ServerResponse,
    sub: LiveSubscription,
  ): Promise<void> {
    const { metrics } = this.o;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    metrics.connections.inc({ transport: 'sse' });
    const heartbeat = setInterval(() => res.write(':\n\n'), 15_000);
    req.socket.on('close', () => sub.close());
    // A frame waits for the socket to drain (so a client that stops reading leaves its frames in
    // the subscription's bounded buffer), or for the subscription to end.
    const ended = new Promise<void>((r) => sub.onClose(() => r()));
    try {
      for await (const m of sub) {
        const frame = `id: ${m.id}\nevent: next\ndata: ${JSON.stringify(m.result)}\n\n`;
        if (!res.write(frame))
          await Promise.race([new Promise((r) => res.once('drain', r)), ended]);
        metrics.latency.observe(
          { transport: 'sse' },
          Math.max(0, Date.now() - m.appendedAt) / 1000,
        );
      }
      const reason = sub.closeReason;
      if (reason) metrics.disconnects.inc({ transport: 'sse', reason });
      if (reason === 'slow_consumer') {
        // It has not read what is already written: nothing more would reach it. Dropped; its
        // EventSource reconnects with Last-Event-ID and resumes.
        res.destroy();
        return;
      } else if (reason === 'token_expired') {
        res.write(
          `event: next\ndata: ${JSON.stringify({ errors: [errorOf('UNAUTHENTICATED', 'token expired')] })}\n\n`,
        );
        res.write('event: complete\ndata:\n\n');
      } else if (reason) {
        // Shutdown, a slow client or an error: the client reconnects (elsewhere) and resumes.
        res.write('retry: 1000\n\n');
      } else {
        res.write('event: complete\ndata:\n\n');
      }
    } finally {
      clearInterval(heartbeat);
      metrics.connections.dec({ transport: 'sse' });
      if (!res.destroyed) res.end();
    }
  }
}

async function* results(
  sub: LiveSubscription,
  written: (m: LiveMessage) => void,
): AsyncGenerator<import('graphql').ExecutionResult> {
  for await (const m of sub) {
    written(m);
    // graphql-ws writes errors with toJSON(): a frame's errors (a field masked further down) as
    // GraphQLErrors that serialise to exactly what the federation answered.
    const { errors, ...rest } = m.result;
    yield {
      ...rest,
      ...(errors?.length
        ? {
            errors: errors.map(
              (e) => new GraphQLError(e.message, { path: e.path, extensions: e.extensions ?? {} }),
            ),
          }
        : {}),
    } as import('graphql').ExecutionResult;
  }
}

function json(res: ServerResponse, status: number, errors: readonly GraphQLFormattedError[]): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ errors }));
}
