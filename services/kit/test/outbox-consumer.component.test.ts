import { randomBytes, randomUUID } from 'node:crypto';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ConfigResourceTypes } from 'kafkajs';
import {
  ResidentMovedOut,
  ResidentRegistered,
  RESIDENTS_TOPICS,
  type Envelope,
} from '@liyuan/schemas';
import {
  EventConsumer,
  KitTables1764200000000,
  OutboxRelay,
  appendEvent,
  createIdempotentProducer,
  createKafka,
  createMetrics,
  deadLetterTopic,
  ensureTopics,
  newTraceparent,
  openDatabase,
  replayDeadLetters,
  type Database,
} from '../src';
import { createTestDatabase, type TestDatabase } from '@liyuan/test-support/db';
import {
  collectTopics,
  testBrokers,
  testKafka,
  type Received,
  TOPIC_PREFIX,
} from '@liyuan/test-support/kafka';
import { silentLogger } from '@liyuan/test-support/stack';
import { waitFor } from '@liyuan/test-support/wait';

class EffectsTable1764200000001 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE effects (seq bigserial PRIMARY KEY, event_id uuid NOT NULL, resident_id uuid NOT NULL)`,
    );
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE effects`);
  }
}

const registered = (residentId = randomUUID()) => ({
  residentId,
  householdId: randomUUID(),
  gridId: randomUUID(),
  status: 'active' as const,
  residencyType: 'registered' as const,
  tags: [],
});

/** The kit's outbox relay and idempotent consumer against real PostgreSQL and Kafka. */
describe('outbox relay and idempotent consumer', () => {
  const logger = silentLogger();
  const metrics = createMetrics('kit-test');
  let database: TestDatabase;
  let db: Database;
  let relay: OutboxRelay;
  let collector: { messages: Received[]; stop(): Promise<void> };

  beforeAll(async () => {
    database = await createTestDatabase('kit');
    db = await openDatabase({
      serviceName: 'kit-test',
      url: database.url,
      dataDir: '.data/unused',
      poolSize: 4,
      entities: [],
      migrations: [KitTables1764200000000, EffectsTable1764200000001],
      logger,
    });
    const kafka = createKafka('kit-test', testBrokers(), logger);
    relay = new OutboxRelay({
      databaseUrl: db.url,
      createProducer: () => createIdempotentProducer(kafka),
      logger,
      metrics,
      pollIntervalMs: 200,
      batchSize: 100,
      listen: true,
      lockKey: 42,
      topicPrefix: TOPIC_PREFIX,
    });
    relay.start();
    collector = await collectTopics([RESIDENTS_TOPICS.resident]);
  });
  afterAll(async () => {
    await collector.stop();
    await relay.stop();
    await db.close();
    await database.drop();
  });

  const published = (aggregateId: string) =>
    collector.messages.filter((m) => m.key === aggregateId);

  it('when an event commits with its change, then Kafka receives it once with the envelope, key and headers', async () => {
    const residentId = randomUUID();
    const data = registered(residentId);
    const traceparent = newTraceparent();
    const envelope = await db.dataSource.transaction((m) =>
      appendEvent(m, 'kit-test', ResidentRegistered, residentId, data, traceparent),
    );
    await waitFor('the event on Kafka', () => (published(residentId).length ? true : undefined));
    const [message] = published(residentId);
    expect(message!.value).toEqual({
      id: envelope.id,
      type: 'ResidentRegistered',
      version: 1,
      source: 'kit-test',
      aggregateId: residentId,
      occurredAt: envelope.occurredAt,
      data,
      traceparent,
    });
    expect(message!.headers).toMatchObject({
      'event-id': envelope.id,
      'event-type': 'ResidentRegistered',
      traceparent,
    });
    await waitFor('the row marked sent', async () => {
      const rows = (await db.dataSource.query(`SELECT sent_at FROM outbox_events WHERE id = $1`, [
        envelope.id,
      ])) as {
        sent_at: Date | null;
      }[];
      return rows[0]?.sent_at ? true : undefined;
    });
    expect(published(residentId)).toHaveLength(1);
  });

  it('when the transaction rolls back, then no event row exists and nothing reaches Kafka', async () => {
    const rolledBack = randomUUID();
    await expect(
      db.dataSource.transaction(async (m) => {
        await appendEvent(
          m,
          'kit-test',
          ResidentRegistered,
          rolledBack,
          registered(rolledBack),
          newTraceparent(),
        );
        throw new Error('domain rule failed after the event was written');
      }),
    ).rejects.toThrow('domain rule failed');
    // A later committed event proves the relay has run past the point the rolled-back one would be.
    const marker = randomUUID();
    await db.dataSource.transaction((m) =>
      appendEvent(m, 'kit-test', ResidentRegistered, marker, registered(marker), newTraceparent()),
    );
    await waitFor('the marker event', () => (published(marker).length ? true : undefined));
    expect(published(rolledBack)).toHaveLength(0);
    const rows = (await db.dataSource.query(
      `SELECT count(*)::int AS n FROM outbox_events WHERE aggregate_id = $1`,
      [rolledBack],
    )) as { n: number }[];
    expect(rows[0]!.n).toBe(0);
  });

  it('when an event payload breaks its contract (a phone number in it), then the transaction fails', async () => {
    const id = randomUUID();
    await expect(
      db.dataSource.transaction((m) =>
        appendEvent(
          m,
          'kit-test',
          ResidentRegistered,
          id,
          { ...registered(id), phone: '13800001111' } as never,
          newTraceparent(),
        ),
      ),
    ).rejects.toThrow();
    const rows = (await db.dataSource.query(
      `SELECT count(*)::int AS n FROM outbox_events WHERE aggregate_id = $1`,
      [id],
    )) as {
      n: number;
    }[];
    expect(rows[0]!.n).toBe(0);
  });

  describe('consumer', () => {
    const topic = `kit-test.events.${randomBytes(4).toString('hex')}`;
    const groupId = `kit-test-consumer-${randomBytes(4).toString('hex')}`;
    let consumer: EventConsumer;
    let failMovedOut = true;
    const batchSizes: number[] = [];
    const producer = testKafka().producer();
    let deadLetterProducer: import('kafkajs').Producer;

    const envelopeOf = (
      contract: typeof ResidentRegistered | typeof ResidentMovedOut,
      data: object,
    ): Envelope => ({
      id: randomUUID(),
      type: contract.type,
      version: 1,
      source: 'kit-test',
      aggregateId: (data as { residentId: string }).residentId,
      occurredAt: new Date().toISOString(),
      data: data as Record<string, unknown>,
      traceparent: newTraceparent(),
    });
    const send = (e: Envelope) =>
      producer.send({
        topic,
        messages: [
          {
            key: e.aggregateId,
            value: JSON.stringify(e),
            headers: { 'event-id': e.id, 'event-type': e.type },
          },
        ],
      });
    const effectsOf = async (eventId: string) =>
      (
        (await db.dataSource.query(`SELECT count(*)::int AS n FROM effects WHERE event_id = $1`, [
          eventId,
        ])) as { n: number }[]
      )[0]!.n;

    beforeAll(async () => {
      const kafka = createKafka('kit-test-consumer', testBrokers(), logger);
      deadLetterProducer = kafka.producer();
      const admin = kafka.admin();
      await admin.connect();
      await ensureTopics(admin, [topic, deadLetterTopic(groupId)]);
      await admin.disconnect();
      await producer.connect();
      const apply = async (e: Envelope, m: import('typeorm').EntityManager) => {
        await m.query(`INSERT INTO effects (event_id, resident_id) VALUES ($1, $2)`, [
          e.id,
          e.data.residentId,
        ]);
      };
      consumer = new EventConsumer({
        kafka,
        groupId,
        topics: [topic],
        dataSource: db.dataSource,
        producer: deadLetterProducer,
        logger,
        metrics,
        maxAttempts: 3,
        backoffMs: 10,
        progress: { intervalMs: 100, stallAfterMs: 60_000 },
        batchHandlers: {
          // Set-based: one statement for a run, and the run's size kept for the test.
          ResidentRegistered: async (events, m) => {
            batchSizes.push(events.length);
            await m.query(
              `INSERT INTO effects (event_id, resident_id) SELECT * FROM unnest($1::uuid[], $2::uuid[])`,
              [events.map((e) => e.id), events.map((e) => e.data.residentId)],
            );
          },
        },
        handlers: {
          ResidentRegistered: apply,
          ResidentMovedOut: async (e, m) => {
            if (failMovedOut) throw new Error('simulated handler failure');
            await apply(e, m);
          },
        },
      });
      await consumer.start();
    });
    afterAll(async () => {
      await consumer.stop();
      await producer.disconnect();
      await deadLetterProducer.disconnect();
    });

    it('when the kit creates its topics on a single broker, then each partition has one replica and the broker default min ISR', async () => {
      const admin = createKafka('kit-test-topics', testBrokers(), logger).admin();
      await admin.connect();
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
        expect(topics[0]!.partitions.map((p) => p.replicas.length)).toEqual([1, 1, 1]);
        const { resources } = await admin.describeConfigs({
          includeSynonyms: false,
          resources: [
            { type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['min.insync.replicas'] },
          ],
        });
        const minIsr = resources[0]!.configEntries.find(
          (c) => c.configName === 'min.insync.replicas',
        );
        expect(minIsr?.configValue).toBe('1');
      } finally {
        await admin.disconnect();
      }
    });

    it('when the same event is delivered twice, then its effect is applied once', async () => {
      const residentId = randomUUID();
      const e = envelopeOf(ResidentRegistered, registered(residentId));
      await send(e);
      await send(e);
      // Same key, same partition: the marker is handled only after both copies were.
      const marker = envelopeOf(ResidentRegistered, registered(residentId));
      await send(marker);
      await waitFor('both copies handled', async () =>
        (await effectsOf(marker.id)) === 1 ? true : undefined,
      );
      const processed = (await db.dataSource.query(
        `SELECT count(*)::int AS n FROM processed_events WHERE consumer = $1 AND event_id = $2`,
        [groupId, e.id],
      )) as { n: number }[];
      expect(await effectsOf(e.id)).toBe(1);
      expect(processed[0]!.n).toBe(1);
      const consumed = await metrics.eventsConsumed.get();
      const duplicates = consumed.values.filter(
        (v) => v.labels.consumer === groupId && v.labels.outcome === 'duplicate',
      );
      expect(duplicates.reduce((sum, v) => sum + v.value, 0)).toBe(1);
      // Read from the broker's committed offsets on a timer, for every partition of the topic.
      const lag = await waitFor('the lag read back as zero', async () => {
        const values = (await metrics.consumerLag.get()).values.filter(
          (v) => v.labels.consumer === groupId,
        );
        return values.length === 3 && values.every((v) => v.value === 0) ? values : undefined;
      });
      expect(lag.map((v) => v.labels.partition).sort()).toEqual(['0', '1', '2']);
    });

    it('when one batch holds an event twice among others, then the chunk records each once and applies each once, in order', async () => {
      const residentId = randomUUID();
      const events = [1, 2, 3].map(() => envelopeOf(ResidentRegistered, registered(residentId)));
      const twice = events[1]!;
      const before = (await metrics.eventsConsumed.get()).values
        .filter((v) => v.labels.consumer === groupId && v.labels.outcome === 'duplicate')
        .reduce((sum, v) => sum + v.value, 0);
      // One send: the copies share a partition and, almost always, a fetched batch.
      await producer.send({
        topic,
        messages: [events[0]!, twice, twice, events[2]!].map((e) => ({
          key: e.aggregateId,
          value: JSON.stringify(e),
          headers: { 'event-id': e.id, 'event-type': e.type },
        })),
      });
      await waitFor('the last event applied', async () =>
        (await effectsOf(events[2]!.id)) === 1 ? true : undefined,
      );
      expect(await Promise.all(events.map((e) => effectsOf(e.id)))).toEqual([1, 1, 1]);
      const order = (await db.dataSource.query(
        `SELECT event_id FROM effects WHERE event_id = ANY($1) ORDER BY seq`,
        [events.map((e) => e.id)],
      )) as { event_id: string }[];
      expect(order.map((r) => r.event_id)).toEqual(events.map((e) => e.id));
      // The first two ran together through the batch handler (the repeat ends the run).
      expect(batchSizes).toContain(2);
      const after = (await metrics.eventsConsumed.get()).values
        .filter((v) => v.labels.consumer === groupId && v.labels.outcome === 'duplicate')
        .reduce((sum, v) => sum + v.value, 0);
      expect(after - before).toBe(1);
    });

    it('when a batch mixes events of types it does not handle (even unreadable ones), then those are ignored unread and the rest apply', async () => {
      const residentId = randomUUID();
      const mine = [1, 2].map(() => envelopeOf(ResidentRegistered, registered(residentId)));
      const ignoredBefore = (await metrics.eventsConsumed.get()).values
        .filter((v) => v.labels.consumer === groupId && v.labels.outcome === 'ignored')
        .reduce((sum, v) => sum + v.value, 0);
      const dead = (await metrics.deadLetters.get()).values
        .filter((v) => v.labels.consumer === groupId)
        .reduce((sum, v) => sum + v.value, 0);
      await producer.send({
        topic,
        messages: [
          { value: '{"not": "an envelope"', headers: { 'event-type': 'SomeoneElsesEvent' } },
          ...mine.map((e) => ({
            key: e.aggregateId,
            value: JSON.stringify(e),
            headers: { 'event-id': e.id, 'event-type': e.type },
          })),
          { value: 'garbage', headers: { 'event-type': 'AnotherOnesEvent' } },
        ].map((m) => ({ key: residentId, ...m })),
      });
      await waitFor('both events applied', async () =>
        (await effectsOf(mine[1]!.id)) === 1 ? true : undefined,
      );
      expect(await effectsOf(mine[0]!.id)).toBe(1);
      await waitFor('the unreadable events ignored', async () => {
        const ignored = (await metrics.eventsConsumed.get()).values
          .filter((v) => v.labels.consumer === groupId && v.labels.outcome === 'ignored')
          .reduce((sum, v) => sum + v.value, 0);
        return ignored - ignoredBefore === 2 ? true : undefined;
      });
      const deadAfter = (await metrics.deadLetters.get()).values
        .filter((v) => v.labels.consumer === groupId)
        .reduce((sum, v) => sum + v.value, 0);
      expect(deadAfter).toBe(dead);
    });

    it('when an event always fails, then it is dead-lettered with the error and the next event still applies; a replay applies it once fixed', async () => {
      const dlq = await collectTopics([deadLetterTopic(groupId)]);
      try {
        const residentId = randomUUID();
        const poison = envelopeOf(ResidentMovedOut, {
          residentId,
          householdId: randomUUID(),
          gridId: randomUUID(),
          movedOutOn: '2026-01-01',
        });
        await send(poison);
        const next = envelopeOf(ResidentRegistered, registered(residentId));
        await send(next);
        await waitFor('the next event applied', async () =>
          (await effectsOf(next.id)) === 1 ? true : undefined,
        );
        const dead = await waitFor('the dead letter', () =>
          dlq.messages.find((m) => m.value.id === poison.id),
        );
        expect(dead.headers).toMatchObject({
          'dlq-original-topic': topic,
          'dlq-error': 'Error: simulated handler failure',
          'dlq-attempts': '3',
          'dlq-consumer': groupId,
        });
        expect(await effectsOf(poison.id)).toBe(0);
        const deadLetters = (await metrics.deadLetters.get()).values.find(
          (v) => v.labels.consumer === groupId,
        );
        expect(deadLetters?.value).toBeGreaterThanOrEqual(1);

        failMovedOut = false;
        const replayed = await replayDeadLetters(
          createKafka('kit-test-replay', testBrokers(), logger),
          groupId,
          logger,
        );
        expect(replayed).toBeGreaterThanOrEqual(1);
        await waitFor('the replayed event applied', async () =>
          (await effectsOf(poison.id)) === 1 ? true : undefined,
        );
        expect(
          await replayDeadLetters(
            createKafka('kit-test-replay', testBrokers(), logger),
            groupId,
            logger,
          ),
        ).toBe(0);
      } finally {
        await dlq.stop();
      }
    });
  });
});
