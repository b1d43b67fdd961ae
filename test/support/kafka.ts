import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Consumer, type KafkaMessage, type Producer } from 'kafkajs';
import {
  FACILITIES_TOPICS,
  MEDIATION_TOPICS,
  RESIDENTS_TOPICS,
  SHARED_SPACES_TOPICS,
  VOLUNTEERS_TOPICS,
} from '@liyuan/schemas';
import { ensureTopics } from '@liyuan/kit';
import {
  startKafkaCluster,
  type KafkaClusterHandle,
  type StartKafkaClusterOptions,
} from '../../infra/kafka/broker';
import { testEnv } from './config';

/**
 * Test files run at once on one broker; each file's services use topics of their own (this prefix,
 * fresh per file since Jest loads modules per file), so a consumer in one file never reacts to
 * another file's events. The helpers below apply it to the domain topics they are given.
 */
export const TOPIC_PREFIX = `t${randomBytes(4).toString('hex')}.`;
const DOMAIN_TOPICS = new Set<string>(
  [
    RESIDENTS_TOPICS,
    FACILITIES_TOPICS,
    MEDIATION_TOPICS,
    SHARED_SPACES_TOPICS,
    VOLUNTEERS_TOPICS,
  ].flatMap((t) => Object.values(t) as string[]),
);
/** The name this file's services use for a domain topic (other names pass unchanged). */
export const testTopic = (topic: string): string =>
  DOMAIN_TOPICS.has(topic) ? `${TOPIC_PREFIX}${topic}` : topic;
const fromTestTopic = (topic: string): string =>
  topic.startsWith(TOPIC_PREFIX) ? topic.slice(TOPIC_PREFIX.length) : topic;

/** Brokers of the run (started by global setup or given by KAFKA_BROKERS). */
export function testBrokers(): string[] {
  const brokers = testEnv().kafkaBrokers;
  if (!brokers?.length) throw new Error('KAFKA_BROKERS is not set: the global setup did not run');
  return brokers;
}

export const testKafka = (brokers = testBrokers()): Kafka =>
  new Kafka({
    clientId: `test-${randomBytes(3).toString('hex')}`,
    brokers,
    logLevel: logLevel.NOTHING,
  });

/** A message as a test reads it: key, parsed envelope and headers as strings. */
export interface Received {
  topic: string;
  key: string | null;
  value: Record<string, unknown>;
  headers: Record<string, string>;
}

function toReceived(topic: string, m: KafkaMessage): Received {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    if (v !== undefined) headers[k] = Array.isArray(v) ? String(v[0]) : String(v);
  }
  return {
    topic: fromTestTopic(topic),
    key: m.key?.toString() ?? null,
    value: JSON.parse(m.value?.toString() ?? 'null') as Record<string, unknown>,
    headers,
  };
}

/**
 * Records every message on `topics` from the beginning in a fresh consumer group; `messages` fills
 * as they arrive. Join it once per file (a group join takes seconds).
 */
export async function collectTopics(
  domainTopics: string[],
  brokers = testBrokers(),
): Promise<{ messages: Received[]; stop(): Promise<void> }> {
  const topics = domainTopics.map(testTopic);
  const kafka = testKafka(brokers);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, topics, 3);
  await admin.disconnect();
  const consumer: Consumer = kafka.consumer({
    groupId: `test-collector-${randomBytes(6).toString('hex')}`,
  });
  const messages: Received[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  let joined!: () => void;
  const joinedP = new Promise<void>((r) => (joined = r));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      messages.push(toReceived(topic, message));
    },
  });
  await joinedP;
  return { messages, stop: () => consumer.disconnect() };
}

/** A valid envelope for `contract` as another service would publish it. */
export function envelopeFor(
  contract: { type: string; version: number },
  aggregateId: string,
  data: Record<string, unknown>,
  source = 'test',
): Record<string, unknown> & { id: string } {
  return {
    id: randomUUID(),
    type: contract.type,
    version: contract.version,
    source,
    aggregateId,
    occurredAt: new Date().toISOString(),
    data,
    traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
  };
}

/** Publishes an envelope to `topic` keyed by its aggregate, with the standard headers. */
export async function publishEnvelope(
  producer: Producer,
  topic: string,
  envelope: Record<string, unknown> & { id: string },
): Promise<void> {
  await producer.send({
    topic: testTopic(topic),
    messages: [
      {
        key: String(envelope.aggregateId),
        value: JSON.stringify(envelope),
        headers: { 'event-id': envelope.id, 'event-type': String(envelope.type) },
      },
    ],
  });
}

/**
 * A KRaft cluster of its own for a test file: three broker+controller nodes on random ports in a
 * temporary directory; `stop()` stops every node and deletes the directory. `options` as for
 * `startKafkaCluster` (e.g. `advertise`, to put a proxy in front of each node).
 */
export async function startTestKafkaCluster(
  brokers = 3,
  options: Omit<StartKafkaClusterOptions, 'dataDir' | 'brokers'> = {},
): Promise<KafkaClusterHandle> {
  const dataDir = mkdtempSync(join(tmpdir(), 'liyuan-test-kafka-cluster-'));
  let cluster: KafkaClusterHandle;
  try {
    cluster = await startKafkaCluster({ ...options, dataDir, brokers });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const stopNodes = cluster.stop;
  return {
    ...cluster,
    stop: async () => {
      await stopNodes();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
