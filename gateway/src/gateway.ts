import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import {
  ApolloGateway,
  RemoteGraphQLDataSource,
  type GraphQLDataSourceProcessOptions,
} from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import type { Fetcher } from '@apollo/utils.fetcher';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import {
  createLogger,
  createMetrics,
  formatGraphQLError,
  signCaller,
  startHttpServer,
  operationLogPlugin,
  traceIdOf,
  traceparentFrom,
  type Caller,
  type Logger,
} from '@liyuan/kit';
import { callerFromAuthorization } from './auth';
import type { GatewayConfig } from './config';

/** Per-request context of the gateway: the verified caller and the ids that follow the request. */
export interface GatewayContext {
  caller: Caller;
  requestId: string;
  traceparent: string;
  logger: Logger;
}

/**
 * Forwards the caller to a subgraph as headers signed with the shared secret, with the request and
 * trace ids, and bounds each subgraph call by a timeout.
 */
class SignedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    url: string,
    private readonly secret: string,
    timeoutMs: number,
  ) {
    // Node's fetch keeps connections alive per origin; the signal bounds a slow subgraph.
    const fetcher = ((input: string, init?: RequestInit) =>
      fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) })) as unknown as Fetcher;
    super({ url, fetcher });
  }

  override willSendRequest({
    request,
    context,
  }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers) return;
    const ctx = context as Partial<GatewayContext>;
    for (const [k, v] of Object.entries(
      signCaller(ctx.caller ?? { userId: null, roles: [], gridIds: [] }, this.secret),
    )) {
      headers.set(k, v);
    }
    if (ctx.requestId) headers.set('x-request-id', ctx.requestId);
    if (ctx.traceparent) headers.set('traceparent', ctx.traceparent);
  }
}

export interface RunningGateway {
  url: string;
  port: number;
  logger: Logger;
  stop(): Promise<void>;
}

/** Starts the gateway serving the supergraph at `config.supergraphPath`. */
export async function startGateway(
  config: GatewayConfig,
  options: { logger?: Logger } = {},
): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger('gateway', config.logLevel);
  const metrics = createMetrics('gateway');
  const supergraphSdl = readFileSync(config.supergraphPath, 'utf8');
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) =>
      new SignedDataSource(
        config.subgraphUrls[name] ?? url ?? '',
        config.identitySecret,
        config.subgraphTimeoutMs,
      ),
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: config.nodeEnv !== 'production',
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    // The process's one shutdown path handles signals; Apollo's own handler would race it.
    stopOnTerminationSignals: false,
    formatError: (formatted, error) =>
      formatGraphQLError(formatted, error, (err) =>
        logger.error({ err }, 'internal error in gateway'),
      ),
    plugins: [ApolloServerPluginLandingPageDisabled(), operationLogPlugin<GatewayContext>()],
  });
  await apollo.start();

  const context = async (req: IncomingMessage): Promise<GatewayContext> => {
    const caller = await callerFromAuthorization(req.headers.authorization, config.jwt);
    // The gateway names every request itself: the id ends up in audit records, so a caller must
    // not choose it.
    const requestId = randomUUID();
    const traceparent = traceparentFrom(req.headers.traceparent);
    return {
      caller,
      requestId,
      traceparent,
      logger: logger.child({ requestId, traceId: traceIdOf(traceparent) }),
    };
  };

  const http = await startHttpServer<GatewayContext>({
    host: config.host,
    port: config.port,
    logger,
    metrics,
    bodyLimitBytes: config.bodyLimitBytes,
    ready: async () => ({ supergraph: true }),
    graphql: { server: apollo, context },
  });
  logger.info({ url: http.url }, 'gateway ready');
  return {
    url: http.url,
    port: http.port,
    logger,
    stop: async () => {
      await http.close();
      await apollo.stop();
    },
  };
}
