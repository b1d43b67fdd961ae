import { randomUUID } from 'node:crypto';
import { appendEvent, newTraceparent } from '@liyuan/kit';
import { RESIDENTS_TOPICS, ResidentTagged } from '@liyuan/schemas';
import { collectTopics } from '../support/kafka';
import { startTestService, type TestService } from '../support/stack';
import { waitFor } from '../support/wait';

const EVENTS = 1000;

/**
 * One aggregate's events reach consumers in the order they committed, with two replicas of the
 * service (two relays) on one database, and with the relay that holds the lock stopping half-way.
 */
describe('ordering with two relays', () => {
  let a: TestService;
  let b: TestService;

  beforeAll(async () => {
    a = await startTestService('residents');
    b = await startTestService('residents', { env: { DATABASE_URL: a.database.url } });
    await Promise.all([a.service.eventsReady, b.service.eventsReady]);
  });
  afterAll(async () => {
    await b.stop();
    await a.service.stop();
    await a.database.drop();
  });

  it(`when ${EVENTS} events for one resident commit through two replicas, then they are consumed in commit order`, async () => {
    const residentId = randomUUID();
    const [householdId, gridId] = [randomUUID(), randomUUID()];
    const collector = await collectTopics([RESIDENTS_TOPICS.resident]);
    try {
      const tag = (i: number) => `order_${String(i).padStart(4, '0')}`;
      for (let i = 0; i < EVENTS; i++) {
        // The replicas take turns committing; whichever relay holds the lock publishes.
        const replica = i % 2 === 0 ? a : b;
        await replica.service.db.dataSource.transaction((m) =>
          appendEvent(
            m,
            'residents',
            ResidentTagged,
            residentId,
            { residentId, householdId, gridId, tag: tag(i) },
            newTraceparent(),
          ),
        );
        // Half-way, the first replica's relay stops; the other takes the lock and carries on.
        if (i === EVENTS / 2) await a.service.relay.stop();
      }
      const received = () =>
        collector.messages
          .filter((m) => m.key === residentId)
          .map((m) => (m.value.data as { tag: string }).tag);
      await waitFor(
        `all ${EVENTS} events`,
        () => (new Set(received()).size === EVENTS ? true : undefined),
        60_000,
      );
      const tags = received();
      // In order: each tag after the previous (a republished batch may repeat, never reorder).
      const outOfOrder = tags.filter(
        (t, i) => i > 0 && t < tags[i - 1]! && !tags.slice(0, i).includes(t),
      );
      expect(outOfOrder).toEqual([]);
      const firsts = tags.filter((t, i) => tags.indexOf(t) === i);
      expect(firsts).toEqual(Array.from({ length: EVENTS }, (_, i) => tag(i)));
      process.stdout.write(
        `ordering: ${EVENTS} events of one aggregate through two relays, ${tags.length - EVENTS} republished, none out of order\n`,
      );
    } finally {
      await collector.stop();
    }
  }, 120_000);
});
