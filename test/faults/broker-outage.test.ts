import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESIDENTS_TOPICS } from '@liyuan/schemas';
import { startKafkaBroker, type KafkaBrokerHandle } from '../../infra/kafka/broker';
import { collectTopics } from '../support/kafka';
import {
  REGISTER_RESIDENT,
  dataOf,
  idCardFor,
  residentInput,
  seedHousehold,
} from '../support/registry-fixtures';
import { caller, callSubgraph, startTestService, type TestService } from '../support/stack';
import { waitFor } from '../support/wait';

/**
 * With the broker down, mutations keep succeeding (their events wait in the outbox), readiness says
 * why, and once the broker is back every event is published and every consumer's effect applied
 * exactly once. This file runs a broker of its own so stopping it does not disturb the other files.
 */
describe('broker outage', () => {
  const MUTATIONS = 1000;
  let dataDir: string;
  let broker: KafkaBrokerHandle;
  let residents: TestService;
  let volunteers: TestService;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'liyuan-outage-kafka-'));
    broker = await startKafkaBroker({ dataDir });
    [residents, volunteers] = await Promise.all([
      startTestService('residents', {
        brokers: broker.brokers,
        env: { OUTBOX_STUCK_AFTER_SECONDS: '2' },
      }),
      startTestService('volunteers', { brokers: broker.brokers }),
    ]);
    await Promise.all([residents.service.eventsReady, volunteers.service.eventsReady]);
  }, 120_000);
  afterAll(async () => {
    await residents?.stop();
    await volunteers?.stop();
    await broker?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`when ${MUTATIONS} residents register while the broker is stopped, then all succeed and, once it returns, every event is published and applied exactly once`, async () => {
    const staff = caller(['staff']);
    const call = (q: string, v?: Record<string, unknown>) =>
      callSubgraph(residents.service, staff, q, v);
    const { householdId } = await seedHousehold(call);
    const { port, controllerPort } = broker;
    await broker.stop();

    const ids: string[] = [];
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < MUTATIONS; i = next++) {
        const birthDate = `19${String(40 + (i % 60)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 10}`;
        const res = await call(REGISTER_RESIDENT, {
          input: residentInput(householdId, {
            name: `Outage ${i}`,
            birthDate,
            idCardNumber: idCardFor(birthDate),
          }),
        });
        ids.push(dataOf<{ id: string }>(res, 'registerResident').id);
      }
    };
    await Promise.all(Array.from({ length: 8 }, () => worker()));
    expect(ids).toHaveLength(MUTATIONS);
    const backlog = await residents.service.relay.backlog();
    expect(backlog.count).toBeGreaterThanOrEqual(MUTATIONS);
    const outage = await waitFor('readiness to name the broker and the stuck outbox', async () => {
      const res = await fetch(`http://127.0.0.1:${residents.service.port}/health/ready`);
      const body = (await res.json()) as { checks: Record<string, boolean> };
      return res.status === 503 && !body.checks.outbox ? body.checks : undefined;
    });
    expect(outage).toMatchObject({ database: true, kafka: false, outbox: false });

    broker = await startKafkaBroker({ dataDir, port, controllerPort });
    const started = Date.now();
    const collector = await collectTopics([RESIDENTS_TOPICS.resident], broker.brokers);
    try {
      const wanted = new Set(ids);
      const received = () =>
        collector.messages.filter(
          (m) => m.value.type === 'ResidentRegistered' && wanted.has(String(m.key)),
        );
      await waitFor(
        `all ${MUTATIONS} events on Kafka`,
        () => (new Set(received().map((m) => m.key)).size === MUTATIONS ? true : undefined),
        90_000,
      );
      const published = Date.now() - started;
      const eventIds = [...new Set(received().map((m) => String(m.value.id)))];
      const applied = async () => {
        const [row] = (await volunteers.service.db.dataSource.query(
          `SELECT count(*)::int AS n FROM processed_events WHERE event_id = ANY ($1)`,
          [eventIds],
        )) as { n: number }[];
        return row!.n;
      };
      await waitFor(
        `all ${MUTATIONS} applied by volunteers`,
        async () => ((await applied()) === MUTATIONS ? true : undefined),
        90_000,
      );
      const effects = Date.now() - started;
      const known = (await volunteers.service.db.dataSource.query(
        `SELECT count(*)::int AS n FROM known_residents WHERE resident_id = ANY ($1)`,
        [ids],
      )) as { n: number }[];
      expect(known[0]!.n).toBe(MUTATIONS);
      expect(eventIds).toHaveLength(MUTATIONS);
      await waitFor('the outbox drained and ready again', async () => {
        const res = await fetch(`http://127.0.0.1:${residents.service.port}/health/ready`);
        return res.status === 200 ? true : undefined;
      });
      process.stdout.write(
        `broker outage: ${MUTATIONS} events published ${published} ms and applied by the consumer ${effects} ms after the broker returned (${received().length - MUTATIONS} republished, 0 applied twice)\n`,
      );
    } finally {
      await collector.stop();
    }
  }, 240_000);
});
