import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import {
  ApolloGateway,
  RemoteGraphQLDataSource,
  type GraphQLDataSourceProcessOptions,
} from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import {
  createLogger,
  createMetrics,
  formatGraphQLError,
  signCaller,
  startHttpServer,
  operationLogPlugin,
  profileOnSignal,
  rateLimited,
  createTracing,
  createKafka,
  CACHE_INVALIDATION_TOPIC,
  requestTracing,
  type SpanExporter,
  type Tracer,
  traceIdOf,
  type Caller,
  type Logger,
} from '@liyuan/kit';
import { verifyAuthorization } from './auth';
import type { GatewayConfig } from './config';
import { graphiqlRoutes } from './graphiql';
import { limitRules, withoutSuggestions } from './limits';
import {
  clientAddress,
  RateLimiter,
  SharedRateLimiter,
  trustedProxies,
  type Limiter,
} from './rate-limit';
import { hashOf, loadSafelist, safelistPlugin } from './safelist';
import { LiveEngine, type FederatedRunner } from './live/engine';
import { LiveEventLog } from './live/event-log';
import { liveFeedsOf } from './live/feeds';
import { createLiveMetrics, liveStatus, type LiveStatus } from './live/metrics';
import { LiveTransports } from './live/transports';
import { StatusMonitor, statusRoutes, subgraphsOf } from './status';
import { AnswerStore } from './answer-store';
import { InvalidationFeed } from './invalidation-feed';
import { CACHE_FENCED_HEADER, SubgraphCache } from './subgraph-cache';
import { isMutationDocument, resilientFetcher, type ResilienceSettings } from './subgraph-fetch';
import { supergraphFromFile } from './supergraph-source';

/** Per-request context of the gateway: the verified caller and the ids that follow the request. */
export interface GatewayContext {
  caller: Caller;
  requestId: string;
  traceparent: string;
  logger: Logger;
  /** The signed identity headers of this request's subgraph calls, and when they were signed. */
  signed?: { at: number; headers: [string, string][] };
  /** Whether the subgraph cache is known current for this request (fenced once, at its first fetch). */
  cacheFence?: Promise<boolean>;
  /** A query live updates run for a subscriber (its subscription passed the safelist). */
  live?: boolean;
}

const SIGNATURE_REUSE_MS = 5_000;

/**
 * Forwards the caller to a subgraph as headers signed with the shared secret, with the request and
 * trace ids; its fetch bounds each attempt by a timeout, retries queries on network errors and 5xx,
 * and breaks the circuit while the subgraph keeps failing.
 */
class SignedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    name: string,
    url: string,
    private readonly secret: string,
    resilience: ResilienceSettings,
    logger: Logger,
    tracer: Tracer,
    private readonly cache: SubgraphCache | undefined,
  ) {
    super({ url, fetcher: resilientFetcher(name, resilience, logger, tracer, cache) });
  }

  override async willSendRequest({
    request,
    context,
  }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const headers = request.http?.headers;
    if (!headers) return;
    const ctx = context as Partial<GatewayContext>;
    // One fence serves every fetch of a request: the cache only moves forward, so what was current
    // when the request began is current for its later fetches too.
    if (this.cache && !isMutationDocument(request.query)) {
      ctx.cacheFence ??= this.cache.fence();
      if (await ctx.cacheFence) headers.set(CACHE_FENCED_HEADER, '1');
    }
    // One signature serves every subgraph call of a request (a plan makes several), renewed when
    // it is older than a few seconds so a subgraph never sees it near its skew limit.
    const now = Date.now();
    if (!ctx.signed || now - ctx.signed.at > SIGNATURE_REUSE_MS) {
      ctx.signed = {
        at: now,
        headers: Object.entries(
          signCaller(ctx.caller ?? { userId: null, roles: [], gridIds: [] }, this.secret, now),
        ),
      };
    }
    for (const [k, v] of ctx.signed.headers) headers.set(k, v);
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
  options: { logger?: Logger; spanExporter?: SpanExporter } = {},
): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger('gateway', config.logLevel);
  const tracing = createTracing('gateway', {
    otlpEndpoint: config.otlpEndpoint,
    exporter: options.spanExporter,
  });
  const metrics = createMetrics('gateway');
  const stopProfiler = config.cpuProfileDir
    ? profileOnSignal(config.cpuProfileDir, 'gateway', logger)
    : undefined;
  const supergraphSdl = readFileSync(config.supergraphPath, 'utf8');
  const subgraphs = subgraphsOf(supergraphSdl, config.subgraphUrls);
  const cache = config.cache
    ? startSubgraphCache(config, new Set(subgraphs.map((s) => s.name)), metrics.registry, logger)
    : undefined;
  const gateway = new ApolloGateway({
    supergraphSdl: supergraphFromFile(config.supergraphPath, config.supergraphPollMs, logger),
    buildService: ({ name, url }) =>
      new SignedDataSource(
        name,
        config.subgraphUrls[name] ?? url ?? '',
        config.identitySecret,
        config.resilience,
        logger,
        tracing.tracer,
        cache,
      ),
  });
  const production = config.nodeEnv === 'production';
  const { perMinute, burst, databaseUrl } = config.rateLimit;
  const limiter: Limiter = databaseUrl
    ? new SharedRateLimiter(
        databaseUrl,
        perMinute,
        burst,
        logger.child({ component: 'rate-limit' }),
      )
    : new RateLimiter(perMinute, burst);
  const proxies = trustedProxies(config.rateLimit.trustedProxies);
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: !production,
    csrfPrevention: true,
    // Abusive documents are refused before any subgraph is called.
    validationRules: limitRules(config.limits),
    parseOptions: { maxTokens: config.limits.maxTokens },
    includeStacktraceInErrorResponses: false,
    // The process's one shutdown path handles signals; Apollo's own handler would race it.
    stopOnTerminationSignals: false,
    formatError: (formatted, error) => {
      const out = formatGraphQLError(formatted, error, (err) =>
        logger.error({ err }, 'internal error in gateway'),
      );
      // Suggestions would spell out the schema that production keeps private.
      return production ? withoutSuggestions(out) : out;
    },
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      operationLogPlugin<GatewayContext>(),
      ...(config.safelist
        ? [safelistPlugin<GatewayContext>(loadSafelist(config.operationsDir))]
        : []),
    ],
  });
  let apiSchema: import('graphql').GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => {
    apiSchema = schema;
  });
  await apollo.start();

  const bucketOf = (caller: Caller, req: IncomingMessage) =>
    caller.userId ?? `address:${clientAddress(req, proxies)}`;
  const context = async (req: IncomingMessage): Promise<GatewayContext> => {
    const { caller } = await verifyAuthorization(req.headers.authorization, config.jwt);
    const wait = await limiter.take(bucketOf(caller, req));
    if (wait > 0) throw rateLimited(wait);
    // The gateway names every request itself: the id ends up in audit records, so a caller must
    // not choose it.
    const requestId = randomUUID();
    const span = requests.open(req.headers.traceparent);
    return span.bind({
      caller,
      requestId,
      traceparent: span.traceparent,
      logger: logger.child({ requestId, traceId: traceIdOf(span.traceparent) }),
    });
  };
  const requests = requestTracing<GatewayContext>(tracing.tracer, 'graphql gateway');
  const around = requests.around;

  const live = startLive(config, supergraphSdl, metrics.registry, logger, {
    schema: () => apiSchema,
    run: async (document, variables, caller) => {
      const requestId = randomUUID();
      const response = await apollo.executeOperation(
        { query: document, variables },
        {
          contextValue: {
            caller,
            requestId,
            traceparent: '',
            logger: logger.child({ requestId, component: 'live' }),
            live: true,
          },
        },
      );
      if (response.body.kind !== 'single') throw new Error('live updates expect one result');
      return response.body.singleResult;
    },
    authenticate: (header) => verifyAuthorization(header, config.jwt),
    rateLimit: (caller, req) => limiter.take(bucketOf(caller, req)),
    safelist: config.safelist ? loadSafelist(config.operationsDir) : undefined,
  });

  const monitor = new StatusMonitor(subgraphs, config.statusPollMs, logger);
  monitor.start();

  const http = await startHttpServer<GatewayContext>({
    host: config.host,
    port: config.port,
    logger,
    metrics,
    bodyLimitBytes: config.bodyLimitBytes,
    ready: async () => ({ supergraph: true }),
    graphql: { server: apollo, context, around },
    upgrade: live?.transports.upgrade,
    // Subscribers are told to reconnect and resume (elsewhere) before the server stops.
    beforeClose: async () => {
      await live?.transports.close();
    },
    routes: {
      ...statusRoutes(monitor, config.statusPollMs, live ? () => live.status() : undefined),
      ...(live ? { '/graphql/stream': live.transports.sse } : {}),
      // GraphiQL for development, from the installed packages; production leaves it out.
      ...(production ? {} : graphiqlRoutes()),
    },
  });
  logger.info({ url: http.url }, 'gateway ready');
  return {
    url: http.url,
    port: http.port,
    logger,
    stop: async () => {
      monitor.stop();
      await http.close();
      await live?.log.stop();
      await apollo.stop();
      await cache?.stop();
      await limiter.stop();
      await tracing.shutdown();
      await stopProfiler?.();
    },
  };
}

/** The subgraph cache and its change feed, which starts reading in the background. */
function startSubgraphCache(
  config: GatewayConfig,
  subgraphs: ReadonlySet<string>,
  registry: import('prom-client').Registry,
  logger: Logger,
): SubgraphCache {
  const settings = config.cache!;
  const log = logger.child({ component: 'subgraph-cache' });
  const store = new AnswerStore(settings.maxBytes, settings.ttlMs);
  const feed = new InvalidationFeed(
    createKafka('gateway', config.kafka.brokers, log),
    `${config.kafka.topicPrefix}${CACHE_INVALIDATION_TOPIC}`,
    config.kafka.topicPrefix,
    store,
    log,
    subgraphs,
  );
  feed.startInBackground();
  return new SubgraphCache(store, feed, settings.fenceMs, registry, log);
}

/**
 * Live updates: the event log of the topics that feed `@live` Subscription fields, the engine that
 * serves them and the WebSocket and SSE transports; none without a broker.
 */
function startLive(
  config: GatewayConfig,
  supergraphSdl: string,
  registry: import('prom-client').Registry,
  logger: Logger,
  io: {
    schema: () => import('graphql').GraphQLSchema | undefined;
    run: FederatedRunner;
    authenticate: (
      header: string | undefined,
    ) => Promise<{ caller: Caller; expiresAt: number | null }>;
    rateLimit: (caller: Caller, req: IncomingMessage) => Promise<number>;
    safelist: Set<string> | undefined;
  },
): { log: LiveEventLog; transports: LiveTransports; status(): Promise<LiveStatus> } | undefined {
  const feeds = liveFeedsOf(supergraphSdl);
  if (!config.kafka.brokers.length || !feeds.size) return undefined;
  const log = logger.child({ component: 'live' });
  const metrics = createLiveMetrics(registry);
  const eventLog = new LiveEventLog(
    createKafka('gateway-live', config.kafka.brokers, log),
    [...new Set([...feeds.values()].map((f) => f.topic))],
    config.kafka.topicPrefix,
    log,
  );
  eventLog.startInBackground();
  const engine = new LiveEngine(eventLog, feeds, io.run, metrics, log, {
    maxBuffered: config.live.maxBuffered,
  });
  const allowed = io.safelist;
  const transports = new LiveTransports({
    engine,
    schema: io.schema,
    authenticate: io.authenticate,
    rateLimit: io.rateLimit,
    rules: limitRules(config.limits),
    maxTokens: config.limits.maxTokens,
    safelist: allowed ? { allows: (doc) => allowed.has(hashOf(doc)) } : undefined,
    maxSubscriptionsPerConnection: config.live.maxSubscriptionsPerConnection,
    maxConnectionsPerCaller: config.live.maxConnectionsPerCaller,
    metrics,
    logger: log,
  });
  return { log: eventLog, transports, status: () => liveStatus(metrics) };
}
