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
import { caller, callSubgraph, startTestResidents } from '../support/stack';
import { waitFor } from '../support/wait';

/**
 * With the broker down, mutations keep succeeding (their events wait in the outbox), and every event
 * is published once the broker is back. This file runs a broker of its own so stopping it does not
 * disturb the other files.
 */
describe('broker outage', () => {
  let dataDir: string;
  let broker: KafkaBrokerHandle;
  let residents: Awaited<ReturnType<typeof startTestResidents>>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'liyuan-outage-kafka-'));
    broker = await startKafkaBroker({ dataDir });
    residents = await startTestResidents({ brokers: broker.brokers });
    await residents.service.eventsReady;
  }, 120_000);
  afterAll(async () => {
    await residents?.stop();
    await broker?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when 200 residents register while the broker is stopped, then all succeed and all 200 events are published once it returns', async () => {
    const staff = caller(['staff']);
    const call = (q: string, v?: Record<string, unknown>) =>
      callSubgraph(residents.service, staff, q, v);
    const { householdId } = await seedHousehold(call);
    const { port, controllerPort } = broker;
    await broker.stop();

    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
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
    const backlog = await residents.service.relay.backlog();
    expect(backlog.count).toBeGreaterThanOrEqual(200);

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
        'all 200 events',
        () => (new Set(received().map((m) => m.key)).size === 200 ? true : undefined),
        90_000,
      );
      await waitFor('the outbox drained', async () =>
        (await residents.service.relay.backlog()).count === 0 ? true : undefined,
      );
      expect(received()).toHaveLength(200);
      process.stdout.write(
        `broker outage: 200 events drained ${Date.now() - started} ms after the broker returned\n`,
      );
    } finally {
      await collector.stop();
    }
  }, 180_000);
});
