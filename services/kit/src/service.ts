import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { print } from 'graphql';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { DocumentNode } from 'graphql';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import type { ServiceConfig } from './config';
import { openDatabase, type Database, type DatabaseOptions } from './db/database';
import { errorMetricCode, formatGraphQLError } from './errors';
import { EventConsumer, type BatchHandler, type EventHandler } from './events/consumer';
import { ReplicationWatch } from './events/replication-watch';
import { CACHE_INVALIDATION_TOPIC, InvalidationAnnouncer } from './events/invalidation';
import {
  createIdempotentProducer,
  createKafka,
  ensureTopics,
  topicsOutlasting,
} from './events/kafka';
import { EventTablePruner, type Clock } from './events/pruner';
import { OutboxRelay } from './events/relay';
import { deadLetterTopic } from './events/retry-policy';
import { startHttpServer, type RunningHttpServer } from './http';
import { verifyCaller, type Caller } from './identity';
import { createLogger, type Logger } from './logger';
import { createMetrics, type Metrics } from './metrics';
import { traceIdOf } from './trace';
import { operationLogPlugin } from './operation-log';
import { createTracing, requestTracing, type SpanExporter } from './tracing';
import { profileOnSignal } from './profiler';

/** What every resolver receives: who calls, which request and trace, and the service's own deps. */
export interface BaseRequestContext {
  caller: Caller;
  requestId: string;
  traceparent: string;
  logger: Logger;
  /**
   * What the answer allows a cache to do with it. A resolver whose read must happen every time
   * (an audited read of personal data) sets `noStore`; the answer then says `cache-control:
   * no-store` and the gateway's subgraph cache never keeps it.
   */
  cacheHints: { noStore: boolean };
}

/** A consumer group of the service and the handlers of the event types it reacts to. */
export interface ConsumerDefinition {
  groupId: string;
  topics: string[];
  handlers: Record<string, EventHandler>;
  /** Set-based versions of some handlers for runs of events applied together (optional). */
  batchHandlers?: Record<string, BatchHandler>;
}

/**
 * A subgraph's resolver map as its `Resolvers` type (generated from the SDL by `npm run codegen`)
 * describes it: per type, its field resolvers and `__resolveReference`, a scalar, or an enum's
 * values. The generated type checks each resolver against the schema; the kit only passes it on.
 */
export type SubgraphResolvers = { [typeName: string]: object | undefined };

/** Everything that makes a subgraph service; the kit supplies the rest. */
export interface ServiceDefinition<TContext extends BaseRequestContext> {
  name: string;
  typeDefs: DocumentNode;
  resolvers: SubgraphResolvers;
  entities: DatabaseOptions['entities'];
  migrations: DatabaseOptions['migrations'];
  /** Topics the service publishes to (created at start when missing). */
  publishes: string[];
  consumers?: (db: DataSource) => ConsumerDefinition[];
  /** Per-request context: use cases and batch loaders bound to this request. */
  createContext(base: BaseRequestContext, db: DataSource): TContext;
  /** Advisory-lock id of the outbox relay (distinct per service). */
  relayLockKey: number;
  /** Loads synthetic demo data into an empty database (run at start when DEMO_DATA=true). */
  seedDemo?: (dataSource: DataSource, logger: Logger) => Promise<unknown>;
}

/** A started service: what tests and the process entry point need to reach and stop it. */
export interface RunningService {
  name: string;
  url: string;
  port: number;
  logger: Logger;
  metrics: Metrics;
  db: Database;
  relay: OutboxRelay;
  /** Deletes sent outbox rows and processed events past their retention. */
  pruner: EventTablePruner;
  kafka: Kafka;
  /** Resolves once topics exist and every consumer has joined its group. */
  eventsReady: Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Overrides the logger (tests pass a silent one). */
  logger?: Logger;
  /** Test seam passed to the relay. */
  afterPublish?: () => void | Promise<void>;
  /** Receives every span (tests use an in-memory exporter). */
  spanExporter?: SpanExporter;
  /** The pruner's clock (tests move it forward). */
  clock?: Clock;
}

/**
 * Starts a subgraph: database and migrations, HTTP with GraphQL, health and metrics at once; then,
 * in the background so a broker outage never blocks serving, the Kafka topics, the outbox relay and
 * the consumers. Requests without a valid gateway signature are refused with 401.
 */
export async function startService<TContext extends BaseRequestContext>(
  def: ServiceDefinition<TContext>,
  config: ServiceConfig,
  options: StartOptions = {},
): Promise<RunningService> {
  const logger = options.logger ?? createLogger(def.name, config.logLevel);
  const metrics = createMetrics(def.name);
  const db = await openDatabase({
    serviceName: def.name,
    url: config.database.url,
    dataDir: config.database.dataDir,
    poolSize: config.database.poolSize,
    entities: def.entities,
    migrations: def.migrations,
    logger,
  });

  const tracing = createTracing(def.name, {
    otlpEndpoint: config.otlpEndpoint,
    exporter: options.spanExporter,
  });
  const tracer = tracing.tracer;
  const stopProfiler = config.cpuProfileDir
    ? profileOnSignal(config.cpuProfileDir, def.name, logger)
    : undefined;
  const kafka = createKafka(config.kafka.clientId, config.kafka.brokers, logger);
  const deadLetterProducer: Producer = kafka.producer({ allowAutoTopicCreation: false });
  // The startup loop retries on its own schedule, so each admin call fails fast rather than block stop().
  const admin: Admin = kafka.admin({ retry: { retries: 0 } });
  const relay = new OutboxRelay({
    databaseUrl: db.url,
    createProducer: () => createIdempotentProducer(kafka),
    logger: logger.child({ component: 'outbox-relay' }),
    metrics,
    pollIntervalMs: config.outbox.pollIntervalMs,
    batchSize: config.outbox.batchSize,
    listen: config.outbox.listen,
    lockKey: def.relayLockKey,
    afterPublish: options.afterPublish,
    topicPrefix: config.kafka.topicPrefix,
    tracer,
  });
  relay.start();
  const pruner = new EventTablePruner({
    databaseUrl: db.url,
    logger: logger.child({ component: 'pruner' }),
    metrics,
    ...config.prune,
    lockKey: def.relayLockKey,
    clock: options.clock,
  });
  pruner.start();

  const topicPrefix = config.kafka.topicPrefix;
  const invalidationTopic = `${topicPrefix}${CACHE_INVALIDATION_TOPIC}`;
  const consumerDefs = (def.consumers?.(db.dataSource) ?? []).map((c) => {
    const groupId = `${config.kafka.consumerGroupPrefix}${c.groupId}`;
    return {
      ...c,
      groupId,
      topics: c.topics.map((t) => `${topicPrefix}${t}`),
      deadLetterTopic: deadLetterTopic(`${topicPrefix}${groupId}`),
    };
  });
  const consumers = consumerDefs.map((c) => {
    const consumerLogger = logger.child({ component: 'consumer', consumer: c.groupId });
    // Once an applied effect commits, the service announces that it changed (gateway caches evict it).
    const announcer = new InvalidationAnnouncer({
      producer: deadLetterProducer,
      topic: invalidationTopic,
      subgraph: def.name,
      logger: consumerLogger,
    });
    return new EventConsumer({
      kafka,
      groupId: c.groupId,
      topics: c.topics,
      deadLetterTopic: c.deadLetterTopic,
      tracer,
      handlers: c.handlers,
      batchHandlers: c.batchHandlers,
      dataSource: db.dataSource,
      producer: deadLetterProducer,
      afterCommit: [() => announcer.announce()],
      logger: consumerLogger,
      metrics,
      maxAttempts: config.consumer.maxAttempts,
      backoffMs: config.consumer.backoffMs,
      partitionsConcurrently: config.consumer.partitionsConcurrently,
      progress: {
        intervalMs: config.consumer.lagIntervalMs,
        stallAfterMs: config.consumer.stallAfterMs,
      },
    });
  });

  /**
   * Topics that existed before (created with other settings, or by a service configured
   * otherwise) may keep events longer than this service's consumers remember them: said once at
   * start, as the configuration check cannot see them.
   */
  const warnOfOutlastingTopics = async (): Promise<void> => {
    const consumed = consumerDefs.flatMap((c) => [...c.topics, c.deadLetterTopic]);
    try {
      for (const t of await topicsOutlasting(admin, consumed, config.prune.dedupeWindowMs)) {
        logger.warn(
          { topic: t.topic, retentionMs: t.retentionMs, segmentMs: t.segmentMs },
          'a consumed topic can keep events longer than DEDUPE_WINDOW_HOURS: a consumer re-reading it could apply an event twice',
        );
      }
    } catch (err) {
      logger.warn({ err: String(err) }, 'could not read the retention of the consumed topics');
    }
  };

  /** Under-replicated partitions of every topic the service publishes to or consumes. */
  const replication = new ReplicationWatch({
    admin,
    topics: [
      ...def.publishes.map((t) => `${topicPrefix}${t}`),
      ...consumerDefs.flatMap((c) => c.topics),
    ],
    metrics,
    logger: logger.child({ component: 'replication-watch' }),
    intervalMs: config.consumer.lagIntervalMs,
  });

  let stopping = false;
  const stopSignal = new AbortController();
  const eventsReady = (async () => {
    const topics = [
      ...def.publishes.map((t) => `${topicPrefix}${t}`),
      ...consumerDefs.flatMap((c) => [...c.topics, c.deadLetterTopic]),
      ...(consumerDefs.length ? [invalidationTopic] : []),
    ];
    for (let attempt = 1; !stopping; attempt++) {
      try {
        await admin.connect();
        await ensureTopics(admin, topics, undefined, undefined, {
          retentionMs: config.kafka.topicRetentionMs,
          segmentMs: config.kafka.topicSegmentMs,
        });
        await warnOfOutlastingTopics();
        await Promise.all(consumers.map((c) => c.start()));
        if (!stopping) replication.start();
        return;
      } catch (err) {
        logger.warn({ err: String(err), attempt }, 'Kafka not ready; retrying');
        await sleep(Math.min(5000, 250 * attempt), undefined, { signal: stopSignal.signal }).catch(
          () => undefined,
        );
      }
    }
  })();
  eventsReady.catch(() => undefined);

  /** The outbox is flowing unless its oldest unpublished event is older than the configured limit. */
  const outboxFlowing = async (): Promise<boolean> => {
    const backlog = await Promise.race([
      relay.backlog().catch(() => undefined),
      sleep(2000, undefined, { ref: false }),
    ]);
    if (!backlog) return false;
    metrics.outboxBacklog.set(backlog.count);
    metrics.outboxOldestAgeSeconds.set(backlog.oldestAgeSeconds);
    return backlog.oldestAgeSeconds < config.outbox.stuckAfterSeconds;
  };

  let kafkaCheck = { at: 0, ok: false };
  const kafkaReachable = async (): Promise<boolean> => {
    if (Date.now() - kafkaCheck.at < 1000) return kafkaCheck.ok;
    const ok = await Promise.race([
      admin.describeCluster().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref()),
    ]);
    kafkaCheck = { at: Date.now(), ok };
    return ok;
  };

  /**
   * One check per consumer group, named after it: false while the group has lag and its committed
   * offsets have not moved for the stall threshold (a consumer stuck, not merely busy).
   */
  const consumersMoving = (): Record<string, boolean> =>
    Object.fromEntries(
      consumers.map((c, k) => [
        `consumer:${consumerDefs[k]!.groupId}`,
        !(c.progress()?.stalled ?? false),
      ]),
    );

  // Answers a gateway may not keep say so; any answer with errors is not kept either (the gateway
  // checks), so only the resolvers' own hints matter here.
  const cacheHints: ApolloServerPlugin<TContext> = {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          if (contextValue.cacheHints?.noStore)
            response.http.headers.set('cache-control', 'no-store');
        },
      };
    },
  };

  const errorCounter: ApolloServerPlugin<TContext> = {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors }) {
          for (const e of errors) {
            const code = errorMetricCode(e);
            metrics.graphqlErrors.inc({ code });
          }
        },
      };
    },
  };

  const apollo = new ApolloServer<TContext>({
    schema: buildSubgraphSchema({
      typeDefs: def.typeDefs,
      resolvers: def.resolvers as GraphQLResolverMap<unknown>,
    }),
    formatError: (formatted, error) =>
      formatGraphQLError(formatted, error, (err) =>
        logger.error({ err }, 'internal error in resolver'),
      ),
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      // Apollo would mark every answer without @cacheControl hints `no-store`; the service says
      // itself which answers may not be kept (cacheHints).
      ApolloServerPluginCacheControl({ calculateHttpHeaders: false }),
      errorCounter,
      cacheHints,
      operationLogPlugin<TContext>(),
    ],
    includeStacktraceInErrorResponses: false,
    // The process's one shutdown path handles signals; Apollo's own handler would race it.
    stopOnTerminationSignals: false,
  });
  await apollo.start();

  const context = async (req: IncomingMessage): Promise<TContext> => {
    const caller = verifyCaller(
      req.headers,
      config.identity.secret,
      config.identity.maxSkewSeconds,
    );
    const requestId = headerValue(req, 'x-request-id') ?? randomUUID();
    // The request's span, a child of the gateway's call: its traceparent goes into the events.
    const span = requests.open(req.headers.traceparent);
    const base: BaseRequestContext = {
      caller,
      requestId,
      traceparent: span.traceparent,
      logger: logger.child({ requestId, traceId: traceIdOf(span.traceparent) }),
      cacheHints: { noStore: false },
    };
    return span.bind(def.createContext(base, db.dataSource));
  };
  const requests = requestTracing<TContext>(tracer, `graphql ${def.name}`);
  const around = requests.around;

  let http: RunningHttpServer;
  try {
    http = await startHttpServer<TContext>({
      host: config.host,
      port: config.port,
      logger,
      metrics,
      bodyLimitBytes: config.http.bodyLimitBytes,
      info: {
        service: def.name,
        version: config.version,
        schemaHash: createHash('sha256').update(print(def.typeDefs)).digest('hex').slice(0, 12),
      },
      ready: async () => ({
        database: await db.ping(),
        kafka: await kafkaReachable(),
        outbox: await outboxFlowing(),
        ...consumersMoving(),
      }),
      graphql: { server: apollo, context, around },
    });
  } catch (err) {
    stopping = true;
    stopSignal.abort();
    await Promise.race([eventsReady, sleep(10_000, undefined, { ref: false })]);
    await Promise.all(consumers.map((c) => c.stop().catch(() => undefined)));
    await replication.stop();
    await pruner.stop();
    await relay.stop();
    await admin.disconnect().catch(() => undefined);
    await db.close();
    throw err;
  }
  logger.info({ url: http.url }, `${def.name} subgraph ready`);

  const running: RunningService = {
    name: def.name,
    url: http.url,
    port: http.port,
    logger,
    metrics,
    db,
    relay,
    pruner,
    kafka,
    eventsReady,
    stop: async () => {
      stopping = true;
      stopSignal.abort();
      const step = async (name: string, fn: () => Promise<unknown>): Promise<void> => {
        logger.debug({ step: name }, 'stopping');
        await fn().catch((err: unknown) =>
          logger.warn({ err: String(err), step: name }, 'error while stopping'),
        );
      };
      await step('http', () => http.close());
      await step('graphql', () => apollo.stop());
      // Consumers still joining their group finish joining (within a bound) before they leave it.
      await step('kafka startup', () =>
        Promise.race([eventsReady, sleep(10_000, undefined, { ref: false })]),
      );
      await step('consumers', () => Promise.all(consumers.map((c) => c.stop())));
      await step('replication watch', () => replication.stop());
      await step('outbox relay', () => relay.stop());
      await step('pruner', () => pruner.stop());
      await step('dead-letter producer', () => deadLetterProducer.disconnect());
      await step('kafka admin', () => admin.disconnect());
      await step('database', () => db.close());
      await step('tracing', () => tracing.shutdown());
      if (stopProfiler) await step('profiler', stopProfiler);
    },
  };
  if (config.demoData && def.seedDemo) {
    try {
      await def.seedDemo(db.dataSource, logger);
    } catch (err) {
      await running.stop();
      throw err;
    }
  }
  return running;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
