import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { Client } from 'pg';
import { RESIDENTS_TOPICS, ResidentRegistered } from '@liyuan/schemas';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { envelopeFor, testKafka, testTopic } from '../support/kafka';
import { ensureStopped, spawnService, type ServiceProcess } from '../support/process';
import { waitFor } from '../support/wait';

const EVENTS = 2000;

/**
 * The volunteers process is killed (SIGKILL) in the middle of a stream of events; the restarted
 * process loses none and applies none twice: offsets are committed only after the effect and its
 * processed-event row commit, and the row turns a redelivery into a no-op.
 */
describe('consumer crash mid-batch', () => {
  let database: TestDatabase;
  let producer: Producer;
  let db: Client;
  const processes: ServiceProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('volunteers_crash');
    producer = testKafka().producer();
    await producer.connect();
  });
  afterAll(async () => {
    for (const p of processes) await ensureStopped(p);
    await db?.end();
    await producer.disconnect();
    await database.drop();
  });

  it(`when the consumer process is killed while handling ${EVENTS} events, then after a restart each is applied exactly once`, async () => {
    const env = { KAFKA_CONSUMER_GROUP_PREFIX: `${database.name}.` };
    processes.push(await spawnService('volunteers', database.url, env));
    db = new Client({ connectionString: database.url });
    await db.connect();

    const envelopes = Array.from({ length: EVENTS }, () => {
      const residentId = randomUUID();
      return envelopeFor(ResidentRegistered, residentId, {
        residentId,
        householdId: randomUUID(),
        gridId: randomUUID(),
        status: 'active',
        residencyType: 'registered',
        tags: [],
      });
    });
    const ids = envelopes.map((e) => e.id);
    const residentIds = envelopes.map((e) => String(e.aggregateId));
    for (let i = 0; i < EVENTS; i += 500) {
      await producer.send({
        topic: testTopic(RESIDENTS_TOPICS.resident),
        messages: envelopes.slice(i, i + 500).map((e) => ({
          key: String(e.aggregateId),
          value: JSON.stringify(e),
          headers: { 'event-id': e.id, 'event-type': String(e.type) },
        })),
      });
    }
    const processed = async () =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM processed_events WHERE event_id = ANY ($1)`,
          [ids],
        )
      ).rows[0]!.n;

    const atKill = await waitFor(
      'the consumer part-way through',
      async () => {
        const n = await processed();
        return n >= 100 ? n : undefined;
      },
      60_000,
      20,
    );
    processes[0]!.child.kill('SIGKILL');
    expect(await processes[0]!.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const afterKill = await processed();
    expect(afterKill).toBeLessThan(EVENTS);

    processes.push(await spawnService('volunteers', database.url, env));
    await waitFor(
      `all ${EVENTS} applied`,
      async () => ((await processed()) === EVENTS ? true : undefined),
      90_000,
    );
    const effects = await db.query<{ rows: number; distinct_ids: number }>(
      `SELECT count(*)::int AS rows, count(DISTINCT resident_id)::int AS distinct_ids FROM known_residents WHERE resident_id = ANY ($1)`,
      [residentIds],
    );
    expect(effects.rows[0]).toEqual({ rows: EVENTS, distinct_ids: EVENTS });
    const redelivered = processes[1]!.output.filter(
      (l) => l.includes('"event consumed"') && l.includes('"outcome":"duplicate"'),
    ).length;
    process.stdout.write(
      `consumer crash: killed after ${afterKill} of ${EVENTS} (seen at ${atKill}); after restart ${redelivered} redelivered and skipped, ${EVENTS - afterKill} applied, none twice\n`,
    );
  }, 180_000);
});
