import { randomBytes, randomUUID } from 'node:crypto';
import type { Admin, Producer } from 'kafkajs';
import type { EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import { ResidentRegistered, type Envelope } from '@liyuan/schemas';
import {
  EventConsumer,
  KitTables1764200000000,
  createKafka,
  createMetrics,
  deadLetterTopic,
  ensureTopics,
  newTraceparent,
  openDatabase,
  type Database,
} from '../src';
import { createTestDatabase, type TestDatabase } from '@liyuan/test-support/db';
import { testBrokers, testKafka } from '@liyuan/test-support/kafka';
import { silentLogger } from '@liyuan/test-support/stack';
import { waitFor } from '@liyuan/test-support/wait';

class EffectsTable1764200000002 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE effects (event_id uuid PRIMARY KEY)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE effects`);
  }
}

const envelope = (): Envelope => {
  const residentId = randomUUID();
  return {
    id: randomUUID(),
    type: ResidentRegistered.type,
    version: 1,
    source: 'kit-test',
    aggregateId: residentId,
    occurredAt: new Date().toISOString(),
    data: {
      residentId,
      householdId: randomUUID(),
      gridId: randomUUID(),
      status: 'active',
      residencyType: 'registered',
      tags: [],
    },
    traceparent: newTraceparent(),
  };
};

/**
 * What the broker holds of a consumer group, against real PostgreSQL and Kafka: offsets committed
 * once a burst ends (a restart re-reads nothing), and a consumer that stops moving is seen as
 * stalled from the broker's offsets, then recovers.
 */
describe('consumer offsets and progress', () => {
  const logger = silentLogger();
  const metrics = createMetrics('kit-offsets');
  const kafka = createKafka('kit-offsets', testBrokers(), logger);
  const topic = `kit-offsets.events.${randomBytes(4).toString('hex')}`;
  const groupId = `kit-offsets-${randomBytes(4).toString('hex')}`;
  let database: TestDatabase;
  let db: Database;
  let admin: Admin;
  let producer: Producer;
  let deadLetters: Producer;
  let consumer: EventConsumer | undefined;

  const newConsumer = () =>
    new EventConsumer({
      kafka,
      groupId,
      topics: [topic],
      dataSource: db.dataSource,
      producer: deadLetters,
      logger,
      metrics,
      maxAttempts: 3,
      backoffMs: 10,
      partitionsConcurrently: 3,
      progress: { intervalMs: 100, stallAfterMs: 1500 },
      handlers: {
        ResidentRegistered: async (e: Envelope, m: EntityManager) => {
          await m.query(`INSERT INTO effects (event_id) VALUES ($1)`, [e.id]);
        },
      },
    });
  const send = (events: Envelope[]) =>
    producer.send({
      topic,
      messages: events.map((e) => ({
        key: e.aggregateId,
        value: JSON.stringify(e),
        headers: { 'event-id': e.id, 'event-type': e.type },
      })),
    });
  const applied = async (ids: string[]) =>
    (
      (await db.dataSource.query(
        `SELECT count(*)::int AS n FROM effects WHERE event_id = ANY($1)`,
        [ids],
      )) as { n: number }[]
    )[0]!.n;
  const outcomes = async (outcome: string) =>
    (await metrics.eventsConsumed.get()).values
      .filter((v) => v.labels.consumer === groupId && v.labels.outcome === outcome)
      .reduce((sum, v) => sum + v.value, 0);
  /** Per partition: the high watermark minus the group's committed offset, as the broker says. */
  const brokerLag = async () => {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    return ends
      .map((p) => {
        const c = committed?.partitions.find((x) => x.partition === p.partition)?.offset ?? '-1';
        return Number(p.high) - (c === '-1' ? Number(p.low) : Number(c));
      })
      .sort();
  };

  beforeAll(async () => {
    database = await createTestDatabase('kitoffsets');
    db = await openDatabase({
      serviceName: 'kit-offsets',
      url: database.url,
      dataDir: '.data/unused',
      // Room for the three partitions' blocked transactions, the test's lock and its reads.
      poolSize: 8,
      entities: [],
      migrations: [KitTables1764200000000, EffectsTable1764200000002],
      logger,
    });
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [topic, deadLetterTopic(groupId)]);
    producer = testKafka().producer();
    await producer.connect();
    deadLetters = kafka.producer();
  });
  afterAll(async () => {
    await consumer?.stop();
    await producer.disconnect();
    await deadLetters.disconnect();
    await admin.disconnect();
    await db.close();
    await database.drop();
  });

  it('when a burst ends, then the committed offset reaches the handled one on every partition and a restart re-reads nothing', async () => {
    consumer = newConsumer();
    await consumer.start();
    const burst = Array.from({ length: 300 }, envelope);
    for (let i = 0; i < burst.length; i += 50) await send(burst.slice(i, i + 50));
    const ids = burst.map((e) => e.id);
    await waitFor('the burst applied', async () =>
      (await applied(ids)) === burst.length ? true : undefined,
    );
    // No further message arrives: only the consumer's own commit of what it handled ends this.
    await waitFor(
      'committed offsets at the high watermark',
      async () => ((await brokerLag()).every((lag) => lag === 0) ? true : undefined),
      10_000,
    );
    await waitFor('the lag gauge at zero', () =>
      consumer!.progress()?.lag === 0 && consumer!.progress()?.fresh ? true : undefined,
    );

    await consumer.stop();
    const duplicatesBefore = await outcomes('duplicate');
    const appliedBefore = await outcomes('applied');
    consumer = newConsumer();
    await consumer.start();
    const marker = envelope();
    await send([marker]);
    await waitFor('the marker applied after the restart', async () =>
      (await applied([marker.id])) === 1 ? true : undefined,
    );
    expect({
      reRead: (await outcomes('duplicate')) - duplicatesBefore,
      applied: (await outcomes('applied')) - appliedBefore,
    }).toEqual({ reRead: 0, applied: 1 });
  });

  it('when the consumer cannot move while events wait, then it is reported stalled with its lag, and recovers once released', async () => {
    expect(consumer).toBeDefined();
    await waitFor('a settled consumer', () => (consumer!.progress()?.lag === 0 ? true : undefined));
    // A fault on the consumer's path: its processed-events table is locked, so it blocks there.
    const runner = db.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    const stuck = Array.from({ length: 5 }, envelope);
    try {
      await runner.query('LOCK TABLE processed_events IN ACCESS EXCLUSIVE MODE');
      await send(stuck);
      const status = await waitFor(
        'the consumer reported stalled',
        () => (consumer!.progress()?.stalled ? consumer!.progress() : undefined),
        15_000,
      );
      expect(status).toMatchObject({ consumer: groupId, stalled: true });
      expect(status!.lag).toBeGreaterThan(0);
      // The gauge follows at the next reading of the offsets.
      await waitFor('consumer_stalled at 1', async () =>
        (await metrics.consumerStalled.get()).values.some(
          (v) => v.labels.consumer === groupId && v.value === 1,
        )
          ? true
          : undefined,
      );
      expect(await applied(stuck.map((e) => e.id))).toBe(0);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    await waitFor('the stalled events applied', async () =>
      (await applied(stuck.map((e) => e.id))) === stuck.length ? true : undefined,
    );
    const after = await waitFor('the consumer moving again', () =>
      consumer!.progress()?.lag === 0 && !consumer!.progress()?.stalled
        ? consumer!.progress()
        : undefined,
    );
    expect(after).toMatchObject({ stalled: false, lag: 0 });
  });
});
