import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The Prometheus metrics of one process, on a registry of its own (tests run several services in one process). */
export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'route' | 'status'>;
  graphqlErrors: Counter<'code'>;
  outboxBacklog: Gauge;
  outboxOldestAgeSeconds: Gauge;
  outboxPublished: Counter<'topic'>;
  outboxPublishFailures: Counter;
  eventsConsumed: Counter<'consumer' | 'type' | 'outcome'>;
  consumerLag: Gauge<'consumer' | 'topic' | 'partition'>;
  consumerStalled: Gauge<'consumer'>;
  kafkaUnderReplicatedPartitions: Gauge<'topic'>;
  deadLetters: Counter<'consumer'>;
  eventTableRows: Gauge<'table'>;
  eventTableRowsPruned: Counter<'table'>;
  eventTablePruneFailures: Counter;
}

/** Creates the metric set for `service`, including Node's default process metrics. */
export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    graphqlErrors: new Counter({
      name: 'graphql_errors_total',
      help: 'GraphQL errors returned, by code',
      labelNames: ['code'],
      registers: [registry],
    }),
    outboxBacklog: new Gauge({
      name: 'outbox_backlog',
      help: 'Committed events not yet acknowledged by Kafka',
      registers: [registry],
    }),
    outboxOldestAgeSeconds: new Gauge({
      name: 'outbox_oldest_age_seconds',
      help: 'Age of the oldest unpublished event',
      registers: [registry],
    }),
    outboxPublished: new Counter({
      name: 'outbox_published_total',
      help: 'Events published to Kafka and marked sent',
      labelNames: ['topic'],
      registers: [registry],
    }),
    outboxPublishFailures: new Counter({
      name: 'outbox_publish_failures_total',
      help: 'Failed attempts to publish an outbox batch',
      registers: [registry],
    }),
    eventsConsumed: new Counter({
      name: 'events_consumed_total',
      help: 'Events handled by consumers, by outcome (applied, duplicate, ignored, dead_lettered)',
      labelNames: ['consumer', 'type', 'outcome'],
      registers: [registry],
    }),
    consumerLag: new Gauge({
      name: 'consumer_lag',
      help: "Messages between the group's committed offset and the partition high watermark, read from the broker on a timer",
      labelNames: ['consumer', 'topic', 'partition'],
      registers: [registry],
    }),
    consumerStalled: new Gauge({
      name: 'consumer_stalled',
      help: 'Whether the group has lag and its committed offsets have not moved for the stall threshold (1) or not (0)',
      labelNames: ['consumer'],
      registers: [registry],
    }),
    kafkaUnderReplicatedPartitions: new Gauge({
      name: 'kafka_under_replicated_partitions',
      help: "Partitions of a topic the service publishes to or consumes whose in-sync replicas are fewer than their replicas, read from the broker's metadata on the consumer-lag timer",
      labelNames: ['topic'],
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'dead_letters_total',
      help: 'Events sent to the dead-letter topic after exhausting retries',
      labelNames: ['consumer'],
      registers: [registry],
    }),
    eventTableRows: new Gauge({
      name: 'event_table_rows',
      help: "Estimated rows of the kit's tables (outbox_events, processed_events) from PostgreSQL's statistics, read by each prune run",
      labelNames: ['table'],
      registers: [registry],
    }),
    eventTableRowsPruned: new Counter({
      name: 'event_table_rows_pruned_total',
      help: 'Rows deleted after their retention: sent outbox_events, processed_events past the dedupe window',
      labelNames: ['table'],
      registers: [registry],
    }),
    eventTablePruneFailures: new Counter({
      name: 'event_table_prune_failures_total',
      help: 'Prune runs that failed (retried at the next interval)',
      registers: [registry],
    }),
  };
}
