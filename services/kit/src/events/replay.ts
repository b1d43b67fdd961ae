import type { Kafka } from 'kafkajs';
import { DEAD_LETTER_HEADERS, deadLetterTopic } from './retry-policy';
import type { Logger } from '../logger';

/**
 * Re-publishes every dead letter of `groupId` to the topic it came from (same key, value and event
 * headers), once: the replay group's committed offsets remember what was already replayed. Returns
 * how many were replayed. The consumer's processed-events table keeps a replay from applying an
 * event twice.
 */
export async function replayDeadLetters(
  kafka: Kafka,
  groupId: string,
  logger: Logger,
  timeoutMs = 60_000,
): Promise<number> {
  const topic = deadLetterTopic(groupId);
  const admin = kafka.admin();
  await admin.connect();
  const existing = await admin.listTopics();
  if (!existing.includes(topic)) {
    await admin.disconnect();
    return 0;
  }
  const ends = await admin.fetchTopicOffsets(topic);
  const replayGroup = `${groupId}.dlq-replay`;
  const committed = await admin.fetchOffsets({ groupId: replayGroup, topics: [topic] });
  await admin.disconnect();
  const target = new Map(ends.map((p) => [p.partition, BigInt(p.high)]));
  const startAt = new Map(
    (committed[0]?.partitions ?? []).map((p) => [
      p.partition,
      BigInt(p.offset === '-1' ? '0' : p.offset),
    ]),
  );
  const remaining = new Set(
    [...target]
      .filter(([partition, high]) => high > (startAt.get(partition) ?? 0n))
      .map(([p]) => p),
  );
  if (remaining.size === 0) return 0;

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: replayGroup });
  let replayed = 0;
  let timer: NodeJS.Timeout | undefined;
  try {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`replay of ${topic} did not reach its end within ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            const headers = { ...(message.headers ?? {}) };
            const original = headers[DEAD_LETTER_HEADERS.topic]?.toString();
            for (const h of Object.values(DEAD_LETTER_HEADERS)) delete headers[h];
            if (original) {
              await producer.send({
                topic: original,
                acks: -1,
                messages: [{ key: message.key, value: message.value, headers }],
              });
              replayed += 1;
            }
            if (BigInt(message.offset) + 1n >= (target.get(partition) ?? 0n))
              remaining.delete(partition);
            if (remaining.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
  }
  logger.info({ groupId, replayed }, 'dead letters replayed');
  return replayed;
}
