import {
  ConfigResourceTypes,
  Kafka,
  logLevel,
  Partitioners,
  type Admin,
  type LogEntry,
  type Producer,
} from 'kafkajs';
import type { Logger } from '../logger';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * Broker answers kafkajs retries by itself, seen on every fresh start while topics are created and
 * their leaders elected: logged as warnings, so that an error in the log is one worth reading. If
 * they persist, the retries run out and the failure surfaces as an error of its own (and in
 * readiness and the consumer lag).
 */
const RETRIED_ANSWERS = [
  /does not host this topic-partition/,
  /not the leader for that topic-partition/,
  /no leader for this topic-partition/,
  /^Topic creation errors$/,
];
const isRetriedAnswer = (message: string, error: unknown): boolean =>
  message.startsWith('Response ') &&
  typeof error === 'string' &&
  RETRIED_ANSWERS.some((r) => r.test(error));

/** A kafkajs client whose own logs go through the process's JSON logger. */
export function createKafka(clientId: string, brokers: string[], logger: Logger): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    retry: { initialRetryTime: 200, retries: 5, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        const as =
          level === logLevel.ERROR && isRetriedAnswer(message, rest.error)
            ? 'warn'
            : (LEVELS[level] ?? 'info');
        log[as](rest, message);
      },
  });
}

/**
 * The idempotent producer every relay uses: `acks=-1` is required for idempotence, and one request
 * in flight keeps one aggregate's events in the order they were committed.
 *
 * Its `sendBatch` also checks that every partition the batch was written to was acknowledged, and
 * throws when one was not (the relay then re-sends the whole batch with a new producer). kafkajs
 * 2.2.4 retries a batch spanning several partitions by re-sending only to the brokers that have
 * not answered yet, worked out from the metadata refreshed after the error: a partition whose
 * leadership moved (its leader killed) to a broker that had already answered for other partitions
 * is never sent, and the batch still resolves. Those events were marked sent and lost
 * (`test/faults/kafka-cluster-load.test.ts`). One batch at a time per producer, as the relay sends.
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  const written = new Set<string>();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // The default partitioner, noting where each message of the batch goes.
    createPartitioner: () => {
      const partition = Partitioners.DefaultPartitioner();
      return (args) => {
        const p = partition(args);
        written.add(`${args.topic}[${p}]`);
        return p;
      };
    },
  });
  const sendBatch = producer.sendBatch.bind(producer);
  producer.sendBatch = async (batch) => {
    written.clear();
    const acknowledged = await sendBatch(batch);
    const answered = new Set(acknowledged.map((m) => `${m.topicName}[${m.partition}]`));
    const missing = [...written].filter((tp) => !answered.has(tp));
    if (missing.length > 0)
      throw new UnacknowledgedPartitionsError(
        `Kafka acknowledged the batch without ${missing.join(', ')}: re-send it`,
      );
    return acknowledged;
  };
  return producer;
}

/** A batch the client reported sent although some of its partitions were never acknowledged. */
export class UnacknowledgedPartitionsError extends Error {
  override name = 'UnacknowledgedPartitionsError';
}

/**
 * How long a topic keeps its records: Kafka deletes a segment once its newest record is older than
 * `retentionMs`, so a record lives at most `retentionMs + segmentMs` (plus the broker's check
 * interval, minutes).
 */
export interface TopicRetention {
  retentionMs: number;
  segmentMs: number;
}

/**
 * Replication for new topics on a cluster of `brokers` brokers: up to three copies, and with three a
 * write needs two in sync (`min.insync.replicas` 2), so one broker may fail without losing an
 * acknowledged record or stopping writes. With fewer brokers, the broker's default min ISR stays.
 */
export function topicReplication(brokers: number): {
  replicationFactor: number;
  minInsyncReplicas?: number;
} {
  const replicationFactor = Math.max(1, Math.min(3, brokers));
  return replicationFactor === 3
    ? { replicationFactor, minInsyncReplicas: 2 }
    : { replicationFactor };
}

/**
 * Creates `topics` when missing (idempotent) and returns once every partition of them has a
 * leader; partitions default to 3, replication to {@link topicReplication} of the brokers the
 * cluster reports, and with `retention` the new topics get its `retention.ms` and `segment.ms`
 * (without it, the broker's defaults). Topics that exist already are left as they are.
 */
export async function ensureTopics(
  admin: Admin,
  topics: string[],
  numPartitions = 3,
  timeoutMs = 30_000,
  retention?: TopicRetention,
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = [...new Set(topics)].filter((t) => !existing.has(t));
  if (!missing.length) return;
  const { brokers } = await admin.describeCluster();
  const { replicationFactor, minInsyncReplicas } = topicReplication(brokers.length);
  const configEntries = [
    ...(minInsyncReplicas !== undefined
      ? [{ name: 'min.insync.replicas', value: String(minInsyncReplicas) }]
      : []),
    ...(retention
      ? [
          { name: 'retention.ms', value: String(retention.retentionMs) },
          { name: 'segment.ms', value: String(retention.segmentMs) },
        ]
      : []),
  ];
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions,
        replicationFactor,
        ...(configEntries.length > 0 && { configEntries }),
      })),
    });
  } catch (err) {
    // A KRaft broker can answer "does not host this topic-partition" for a topic it has just
    // created (its metadata catches up a moment later), and another process may have created it
    // meanwhile: both end in the wait below; anything else is a real failure.
    const type = (err as { type?: string }).type;
    if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'TOPIC_ALREADY_EXISTS') throw err;
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics: missing });
      if (meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)))
        return;
    } catch (err) {
      if ((err as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw err;
    }
    if (Date.now() > deadline)
      throw new Error(`topics ${missing.join(', ')} have no leader after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The topics among `topics` that can keep a record longer than `windowMs` (their `retention.ms`
 * plus one `segment.ms` as the broker reports them, its defaults included; `retention.ms` -1 keeps
 * records for ever). A consumer of such a topic re-reading it from the start could meet an event
 * whose `processed_events` row was pruned already.
 */
export async function topicsOutlasting(
  admin: Admin,
  topics: string[],
  windowMs: number,
): Promise<{ topic: string; retentionMs: number; segmentMs: number }[]> {
  if (!topics.length) return [];
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [...new Set(topics)].map((name) => ({
      type: ConfigResourceTypes.TOPIC,
      name,
      configNames: ['retention.ms', 'segment.ms'],
    })),
  });
  return resources
    .map((r) => {
      const value = (name: string) =>
        Number(r.configEntries.find((e) => e.configName === name)?.configValue ?? NaN);
      return {
        topic: r.resourceName,
        retentionMs: value('retention.ms'),
        segmentMs: value('segment.ms'),
      };
    })
    .filter(
      (t) =>
        t.retentionMs < 0 ||
        !Number.isFinite(t.retentionMs + t.segmentMs) ||
        t.retentionMs + t.segmentMs > windowMs,
    );
}

const connecting = new WeakMap<Producer, Promise<void>>();

/**
 * Connects a producer shared by several users (dead letters, cache announcements) once, however
 * many race to use it; again after it disconnected or failed to connect.
 */
export function connectOnce(producer: Producer): Promise<void> {
  let connected = connecting.get(producer);
  if (!connected) {
    const forget = producer.on(producer.events.DISCONNECT, () => {
      if (connecting.get(producer) === connected) connecting.delete(producer);
      forget();
    });
    connected = producer.connect().catch((err: unknown) => {
      connecting.delete(producer);
      forget();
      throw err;
    });
    connecting.set(producer, connected);
  }
  return connected;
}
