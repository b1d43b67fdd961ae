import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ConfigResourceTypes, type Producer } from 'kafkajs';
import type { EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import { ResidentRegistered, RESIDENTS_TOPICS, type Envelope } from '@liyuan/schemas';
import {
  EventConsumer,
  EventTablePruner,
  KitPruneIndexes1765300000000,
  KitTables1764200000000,
  OutboxRelay,
  PRUNE_LOCK_CLASS,
  appendEvent,
  createIdempotentProducer,
  createKafka,
  createMetrics,
  deadLetterTopic,
  ensureTopics,
  newTraceparent,
  openDatabase,
  topicsOutlasting,
  type Database,
  type Metrics,
  type PrunerOptions,
} from '../src';
import { createTestDatabase, type TestDatabase } from '@liyuan/test-support/db';
import { TOPIC_PREFIX, testBrokers, testKafka, testTopic } from '@liyuan/test-support/kafka';
import { silentLogger } from '@liyuan/test-support/stack';
import { waitFor } from '@liyuan/test-support/wait';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * A table for the test consumer's effect, and a record of every DELETE on the kit's tables: a
 * statement-level trigger writes how many rows each statement removed, so the batches are measured
 * by the database, not taken from the pruner's word.
 */
class PruneTestTables1765300000001 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE effects (seq bigserial PRIMARY KEY, event_id uuid NOT NULL, resident_id uuid NOT NULL)`,
    );
    await q.query(
      `CREATE TABLE delete_log (seq bigserial PRIMARY KEY, table_name text NOT NULL, deleted int NOT NULL)`,
    );
    await q.query(`
      CREATE FUNCTION log_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO delete_log (table_name, deleted) SELECT TG_TABLE_NAME, count(*) FROM gone;
        RETURN NULL;
      END $$`);
    for (const table of ['outbox_events', 'processed_events'])
      await q.query(
        `CREATE TRIGGER ${table}_deletes AFTER DELETE ON ${table}
           REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION log_delete()`,
      );
  }
  async down(q: QueryRunner): Promise<void> {
    for (const table of ['outbox_events', 'processed_events'])
      await q.query(`DROP TRIGGER ${table}_deletes ON ${table}`);
    await q.query(`DROP FUNCTION log_delete()`);
    await q.query(`DROP TABLE delete_log`);
    await q.query(`DROP TABLE effects`);
  }
}

const logger = silentLogger();

/** A test database with the kit's tables, their prune indexes and the tables above. */
async function openPruneDatabase(
  prefix: string,
): Promise<{ database: TestDatabase; db: Database }> {
  const database = await createTestDatabase(prefix);
  const db = await openDatabase({
    serviceName: 'kit-prune-test',
    url: database.url,
    dataDir: '.data/unused',
    poolSize: 4,
    entities: [],
    migrations: [
      KitTables1764200000000,
      KitPruneIndexes1765300000000,
      PruneTestTables1765300000001,
    ],
    logger,
  });
  return { database, db };
}

/** A clock the test moves: the pruner's `now()`. */
function testClock(): { clock: () => Date; now(): number; advance(ms: number): void } {
  let at = Date.now();
  return { clock: () => new Date(at), now: () => at, advance: (ms) => (at += ms) };
}

const counter = async (metrics: Metrics, table: string): Promise<number> =>
  (await metrics.eventTableRowsPruned.get()).values.find((v) => v.labels.table === table)?.value ??
  0;

describe('pruning the kit tables after their retention', () => {
  let database: TestDatabase;
  let db: Database;
  const metrics = createMetrics('kit-prune-test');
  const time = testClock();
  const lockKey = 4242;
  const pruner = (overrides: Partial<PrunerOptions> = {}) =>
    new EventTablePruner({
      databaseUrl: db.url,
      logger,
      metrics,
      outboxRetentionMs: 7 * DAY,
      dedupeWindowMs: 14 * DAY,
      batchSize: 4,
      maxBatchesPerRun: 100,
      intervalMs: 60_000,
      lockKey,
      clock: time.clock,
      ...overrides,
    });

  beforeAll(async () => {
    ({ database, db } = await openPruneDatabase('kit_prune'));
  });
  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  const query = <T>(sql: string, params: unknown[] = []) =>
    db.dataSource.query(sql, params) as Promise<T[]>;
  /** `n` outbox rows marked `label` (their aggregate id), created and sent at the times given. */
  const addOutbox = (label: string, n: number, createdAt: number, sentAt: number | null) =>
    query(
      `INSERT INTO outbox_events (id, topic, type, aggregate_id, envelope, created_at, sent_at)
       SELECT gen_random_uuid(), 'kit-test.prune', 'Test', $1, '{}'::jsonb, $3, $4
         FROM generate_series(1, $2)`,
      [label, n, new Date(createdAt), sentAt === null ? null : new Date(sentAt)],
    );
  /** `n` processed-event rows of consumer `label`, processed at `at`. */
  const addProcessed = (label: string, n: number, at: number) =>
    query(
      `INSERT INTO processed_events (consumer, event_id, event_type, processed_at)
       SELECT $1, gen_random_uuid(), 'Test', $3 FROM generate_series(1, $2)`,
      [label, n, new Date(at)],
    );
  const outboxCount = async (label: string) =>
    (
      await query<{ n: number }>(
        `SELECT count(*)::int AS n FROM outbox_events WHERE aggregate_id = $1`,
        [label],
      )
    )[0]!.n;
  const processedCount = async (label: string) =>
    (
      await query<{ n: number }>(
        `SELECT count(*)::int AS n FROM processed_events WHERE consumer = $1`,
        [label],
      )
    )[0]!.n;
  /** Rows each DELETE removed since the last call, per table, as the trigger recorded them. */
  const takeDeleteLog = async () => {
    const rows = await query<{ table_name: string; deleted: number }>(
      `SELECT table_name, deleted FROM delete_log ORDER BY seq`,
    );
    await query(`DELETE FROM delete_log`);
    const of = (table: string) => rows.filter((r) => r.table_name === table).map((r) => r.deleted);
    return { outbox_events: of('outbox_events'), processed_events: of('processed_events') };
  };

  it('when sent outbox rows pass the retention, then they are deleted in batches of at most the batch size, and recent and unsent rows stay', async () => {
    const now = time.now();
    await addOutbox('old-sent', 10, now - 9 * DAY, now - 8 * DAY);
    await addOutbox('recent-sent', 3, now - 6 * DAY, now - 6 * DAY);
    // Unsent for a month (a relay down): never the pruner's to delete.
    await addOutbox('unsent', 3, now - 30 * DAY, null);

    const run = await pruner().runOnce();

    expect(run.leader).toBe(true);
    expect(run.cutoffs.outbox.getTime()).toBe(now - 7 * DAY);
    expect(run.outbox).toEqual({ statements: [4, 4, 2], deleted: 10, capped: false });
    expect(await takeDeleteLog()).toEqual({ outbox_events: [4, 4, 2], processed_events: [0] });
    expect({
      oldSent: await outboxCount('old-sent'),
      recentSent: await outboxCount('recent-sent'),
      unsent: await outboxCount('unsent'),
    }).toEqual({ oldSent: 0, recentSent: 3, unsent: 3 });

    // Two days on, the recent rows have passed the retention too; the unsent ones still stay.
    time.advance(2 * DAY);
    const later = await pruner().runOnce();
    expect(later.outbox).toEqual({ statements: [3], deleted: 3, capped: false });
    expect({
      recentSent: await outboxCount('recent-sent'),
      unsent: await outboxCount('unsent'),
    }).toEqual({ recentSent: 0, unsent: 3 });
    await takeDeleteLog();
  });

  it('when processed events pass the dedupe window, then they are deleted in batches and recent ones stay', async () => {
    const now = time.now();
    await addProcessed('old', 9, now - 15 * DAY);
    await addProcessed('recent', 2, now - 13 * DAY);

    const run = await pruner().runOnce();

    expect(run.cutoffs.processed.getTime()).toBe(now - 14 * DAY);
    expect(run.processed).toEqual({ statements: [4, 4, 1], deleted: 9, capped: false });
    expect((await takeDeleteLog()).processed_events).toEqual([4, 4, 1]);
    expect({ old: await processedCount('old'), recent: await processedCount('recent') }).toEqual({
      old: 0,
      recent: 2,
    });
  });

  it('when more rows are due than a run may delete, then the run stops at its cap and the next one goes on', async () => {
    const now = time.now();
    await addProcessed('many', 10, now - 20 * DAY);
    const capped = pruner({ maxBatchesPerRun: 2 });

    const first = await capped.runOnce();
    expect(first.processed).toEqual({ statements: [4, 4], deleted: 8, capped: true });
    expect(await processedCount('many')).toBe(2);

    const second = await capped.runOnce();
    expect(second.processed).toEqual({ statements: [2], deleted: 2, capped: false });
    expect(await processedCount('many')).toBe(0);
    const log = await takeDeleteLog();
    expect(log.processed_events).toEqual([4, 4, 2]);
    expect(Math.max(...log.outbox_events, ...log.processed_events)).toBeLessThanOrEqual(4);
  });

  it('when another replica holds the prune lock, then this one deletes nothing until the lock is free', async () => {
    const now = time.now();
    await addProcessed('locked-out', 3, now - 20 * DAY);
    const other = new Client({ connectionString: db.url });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1, $2)', [PRUNE_LOCK_CLASS, lockKey]);
      const skipped = await pruner().runOnce();
      expect(skipped.leader).toBe(false);
      expect(skipped.processed.statements).toEqual([]);
      expect(await processedCount('locked-out')).toBe(3);
      expect((await takeDeleteLog()).processed_events).toEqual([]);
      await other.query('SELECT pg_advisory_unlock($1, $2)', [PRUNE_LOCK_CLASS, lockKey]);
    } finally {
      await other.end();
    }
    const run = await pruner().runOnce();
    expect(run.leader).toBe(true);
    expect(await processedCount('locked-out')).toBe(0);
  });

  it('when started, then it prunes on its own every interval until stopped', async () => {
    await addProcessed('timer', 2, time.now() - 20 * DAY);
    const running = pruner({ intervalMs: 100 });
    running.start();
    try {
      await waitFor('the timer run', async () =>
        (await processedCount('timer')) === 0 ? true : undefined,
      );
      // Rows that fall due later are taken by a later run.
      await addProcessed('timer', 2, time.now() - 20 * DAY);
      await waitFor('a later run', async () =>
        (await processedCount('timer')) === 0 ? true : undefined,
      );
    } finally {
      await running.stop();
    }
  });

  it('when the runs are over, then /metrics counts the pruned rows per table and shows both tables’ sizes', async () => {
    expect({
      outbox: await counter(metrics, 'outbox_events'),
      processed: await counter(metrics, 'processed_events'),
    }).toEqual({ outbox: 13, processed: 9 + 10 + 3 + 4 });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^event_table_rows_pruned_total\{table="outbox_events",[^}]*\} 13$/m);
    expect(text).toMatch(/^event_table_rows_pruned_total\{table="processed_events",[^}]*\} 26$/m);
    const sizes = (await metrics.eventTableRows.get()).values;
    expect(sizes.map((v) => v.labels.table).sort()).toEqual(['outbox_events', 'processed_events']);
    for (const v of sizes) expect(v.value).toBeGreaterThanOrEqual(0);
    expect(text).toMatch(/^event_table_prune_failures_total\{[^}]*\} 0$/m);
  });

  it('when stopped while a statement waits on a lock, then stop returns within its grace, the statement gives up at the lock timeout, and the rows stay for a later run', async () => {
    await addProcessed('blocked', 2, time.now() - 20 * DAY);
    const blocker = new Client({ connectionString: db.url });
    await blocker.connect();
    const waiting = async () =>
      (
        await query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'kit-table-pruner'
              AND wait_event_type = 'Lock'`,
        )
      )[0]!.n;
    const connected = async () =>
      (
        await query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'kit-table-pruner'`,
        )
      )[0]!.n;
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE processed_events IN ACCESS EXCLUSIVE MODE');
      const blocked = pruner({ lockTimeoutMs: 1000 });
      blocked.start();
      await waitFor('the pruner waiting on the lock', async () =>
        (await waiting()) === 1 ? true : undefined,
      );
      const stopping = Date.now();
      await blocked.stop(200);
      expect(Date.now() - stopping).toBeLessThan(5000);
      // The server notices the closed connection only when the wait ends: at the lock timeout.
      await waitFor('the pruner connection gone', async () =>
        (await connected()) === 0 ? true : undefined,
      );
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    expect(await processedCount('blocked')).toBe(2);
    await pruner().runOnce();
    expect(await processedCount('blocked')).toBe(0);
  });
});

describe('the dedupe window against redelivered events, on real Kafka', () => {
  let database: TestDatabase;
  let db: Database;
  let relay: OutboxRelay;
  let consumer: EventConsumer;
  let producer: Producer;
  let deadLetterProducer: Producer;
  const metrics = createMetrics('kit-prune-kafka-test');
  const time = testClock();
  const topic = testTopic(RESIDENTS_TOPICS.resident);
  const groupId = `kit-prune-consumer-${randomBytes(4).toString('hex')}`;
  const retention = { retentionMs: 7 * DAY, segmentMs: DAY };
  let pruner: EventTablePruner;

  beforeAll(async () => {
    ({ database, db } = await openPruneDatabase('kit_prune_kafka'));
    const kafka = createKafka('kit-prune-test', testBrokers(), logger);
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [topic, deadLetterTopic(groupId)], 3, 30_000, retention);
    await admin.disconnect();
    relay = new OutboxRelay({
      databaseUrl: db.url,
      createProducer: () => createIdempotentProducer(kafka),
      logger,
      metrics,
      pollIntervalMs: 200,
      batchSize: 100,
      listen: true,
      lockKey: 43,
      topicPrefix: TOPIC_PREFIX,
    });
    relay.start();
    producer = testKafka().producer();
    await producer.connect();
    deadLetterProducer = kafka.producer();
    consumer = new EventConsumer({
      kafka,
      groupId,
      topics: [topic],
      dataSource: db.dataSource,
      producer: deadLetterProducer,
      logger,
      metrics,
      maxAttempts: 2,
      backoffMs: 10,
      progress: { intervalMs: 500, stallAfterMs: 60_000 },
      handlers: {
        ResidentRegistered: async (e: Envelope, m: EntityManager) => {
          await m.query(`INSERT INTO effects (event_id, resident_id) VALUES ($1, $2)`, [
            e.id,
            e.data.residentId,
          ]);
        },
      },
    });
    await consumer.start();
    pruner = new EventTablePruner({
      databaseUrl: db.url,
      logger,
      metrics,
      outboxRetentionMs: retention.retentionMs,
      dedupeWindowMs: 14 * DAY,
      batchSize: 100,
      maxBatchesPerRun: 10,
      intervalMs: 60_000,
      lockKey: 44,
      clock: time.clock,
    });
  });
  afterAll(async () => {
    await consumer?.stop();
    await relay?.stop();
    await producer?.disconnect();
    await deadLetterProducer?.disconnect();
    await db?.close();
    await database?.drop();
  });

  const effectsOf = async (eventId: string) =>
    (
      (await db.dataSource.query(`SELECT count(*)::int AS n FROM effects WHERE event_id = $1`, [
        eventId,
      ])) as { n: number }[]
    )[0]!.n;
  const processedRows = async (eventId: string) =>
    (
      (await db.dataSource.query(
        `SELECT count(*)::int AS n FROM processed_events WHERE consumer = $1 AND event_id = $2`,
        [groupId, eventId],
      )) as { n: number }[]
    )[0]!.n;
  const outboxRows = async (eventId: string) =>
    (
      (await db.dataSource.query(`SELECT count(*)::int AS n FROM outbox_events WHERE id = $1`, [
        eventId,
      ])) as { n: number }[]
    )[0]!.n;
  const duplicates = async () =>
    (await metrics.eventsConsumed.get()).values
      .filter((v) => v.labels.consumer === groupId && v.labels.outcome === 'duplicate')
      .reduce((sum, v) => sum + v.value, 0);
  const registered = (residentId: string) => ({
    residentId,
    householdId: randomUUID(),
    gridId: randomUUID(),
    status: 'active' as const,
    residencyType: 'registered' as const,
    tags: [],
  });
  /** Sends `e` to the topic again, as a consumer re-reading the topic would meet it. */
  const redeliver = (e: Envelope) =>
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
  /** A fresh event on the aggregate's partition: handled only after anything sent before it. */
  const marker = async (residentId: string) => {
    const m = await db.dataSource.transaction((tx) =>
      appendEvent(
        tx,
        'kit-test',
        ResidentRegistered,
        residentId,
        registered(residentId),
        newTraceparent(),
      ),
    );
    await waitFor('the marker applied', async () =>
      (await effectsOf(m.id)) === 1 ? true : undefined,
    );
  };

  it('when the kit creates a topic, then it carries the configured retention and segment time, and a window shorter than a record can live is reported', async () => {
    const admin = testKafka().admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: topic,
            configNames: ['retention.ms', 'segment.ms'],
          },
        ],
      });
      const config = Object.fromEntries(
        resources[0]!.configEntries.map((e) => [e.configName, e.configValue]),
      );
      expect(config).toEqual({ 'retention.ms': String(7 * DAY), 'segment.ms': String(DAY) });
      expect(await topicsOutlasting(admin, [topic], 8 * DAY - HOUR)).toEqual([
        { topic, retentionMs: 7 * DAY, segmentMs: DAY },
      ]);
      expect(await topicsOutlasting(admin, [topic], 8 * DAY)).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });

  it('when an event is redelivered inside the dedupe window, then it is a duplicate (one effect) even after its outbox row was pruned; past the window its record is gone', async () => {
    const residentId = randomUUID();
    const event = await db.dataSource.transaction((tx) =>
      appendEvent(
        tx,
        'kit-test',
        ResidentRegistered,
        residentId,
        registered(residentId),
        newTraceparent(),
      ),
    );
    await waitFor('the event applied', async () =>
      (await effectsOf(event.id)) === 1 ? true : undefined,
    );
    await waitFor('the outbox row marked sent', async () => {
      const rows = (await db.dataSource.query(`SELECT sent_at FROM outbox_events WHERE id = $1`, [
        event.id,
      ])) as { sent_at: Date | null }[];
      return rows[0]?.sent_at ? true : undefined;
    });

    // Eight days on: past the outbox retention, inside the dedupe window.
    time.advance(8 * DAY);
    const run = await pruner.runOnce();
    expect(run.outbox.deleted).toBeGreaterThanOrEqual(1);
    expect(await outboxRows(event.id)).toBe(0);
    expect(await processedRows(event.id)).toBe(1);

    const before = await duplicates();
    await redeliver(event);
    await marker(residentId);
    expect(await effectsOf(event.id)).toBe(1);
    expect((await duplicates()) - before).toBe(1);

    // Fifteen days on: past the dedupe window (which outlasts the topic's 7 days plus a segment).
    time.advance(7 * DAY);
    const later = await pruner.runOnce();
    expect(later.processed.deleted).toBeGreaterThanOrEqual(1);
    expect(await processedRows(event.id)).toBe(0);
    // The one thing the window guards against: a copy arriving now would be applied again.
    await redeliver(event);
    await waitFor('the late copy applied', async () =>
      (await effectsOf(event.id)) === 2 ? true : undefined,
    );
  });
});
