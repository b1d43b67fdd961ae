import {
  REGISTER_RESIDENT,
  dataOf,
  residentInput,
  seedHousehold,
} from '../support/registry-fixtures';
import { caller, callSubgraph, startTestService, type TestService } from '../support/stack';
import { capturingLogger, type LogLine } from '../support/system';
import { waitFor } from '../support/wait';

/**
 * The relay dies after Kafka acknowledged a batch and before it marked the rows sent (a
 * fault-injection point in the relay). The outbox still holds the event as unsent: readiness
 * reports the outbox stuck, the restarted relay publishes it again, and the consumer applies it
 * once.
 */
describe('relay crash between publish and mark', () => {
  let residents: TestService;
  let volunteers: TestService;
  let volunteerLogs: LogLine[];
  let restarted: TestService | undefined;

  beforeAll(async () => {
    const captured = capturingLogger('volunteers');
    volunteerLogs = captured.lines;
    [residents, volunteers] = await Promise.all([
      startTestService('residents', {
        env: { OUTBOX_STUCK_AFTER_SECONDS: '1' },
        start: {
          afterPublish: () => {
            throw new Error('injected: the relay dies before marking the batch sent');
          },
        },
      }),
      startTestService('volunteers', { start: { logger: captured.logger } }),
    ]);
    await Promise.all([residents.service.eventsReady, volunteers.service.eventsReady]);
  });
  afterAll(async () => {
    await volunteers.stop();
    // The first instance's process is already gone; its database outlived it for the restart.
    if (restarted) await restarted.stop();
    else await residents.service.stop();
    await residents.database.drop();
  });

  it('when the relay dies after publishing, then readiness reports it stuck, the restarted relay publishes again and the consumer applies the event once', async () => {
    const staff = caller(['staff']);
    const call = (q: string, v?: Record<string, unknown>) =>
      callSubgraph(residents.service, staff, q, v);
    const { householdId } = await seedHousehold(call);
    const resident = dataOf<{ id: string }>(
      await call(REGISTER_RESIDENT, { input: residentInput(householdId) }),
      'registerResident',
    );
    const [row] = (await residents.service.db.dataSource.query(
      `SELECT id FROM outbox_events WHERE type = 'ResidentRegistered' AND aggregate_id = $1`,
      [resident.id],
    )) as { id: string }[];
    const eventId = row!.id;
    const consumed = (outcome: string) =>
      volunteerLogs.some(
        (l) => l.msg === 'event consumed' && l.eventId === eventId && l.outcome === outcome,
      );

    // Published (the consumer applied it) but never marked sent: each retry publishes it again.
    await waitFor('the first delivery applied', () => (consumed('applied') ? true : undefined));
    await waitFor('a second publication recognised as a duplicate', () =>
      consumed('duplicate') ? true : undefined,
    );
    const ready = await waitFor('readiness to report the outbox stuck', async () => {
      const res = await fetch(`http://127.0.0.1:${residents.service.port}/health/ready`);
      const body = (await res.json()) as { checks: Record<string, boolean> };
      return res.status === 503 && body.checks.outbox === false ? body.checks : undefined;
    });
    expect(ready).toMatchObject({ database: true, kafka: true, outbox: false });
    const metrics = await (
      await fetch(`http://127.0.0.1:${residents.service.port}/metrics`)
    ).text();
    expect(metrics).toMatch(/outbox_publish_failures_total\{service="residents"\} [1-9]/);
    expect(metrics).toMatch(/outbox_backlog\{service="residents"\} [1-9]/);

    // The process goes; a new one on the same database finds the row unsent and publishes it.
    await residents.service.stop();
    restarted = await startTestService('residents', {
      env: { DATABASE_URL: residents.database.url },
    });
    const again = restarted.service;
    await waitFor('the restarted relay to mark it sent', async () => {
      const [r] = (await again.db.dataSource.query(
        `SELECT sent_at FROM outbox_events WHERE id = $1`,
        [eventId],
      )) as { sent_at: Date | null }[];
      return r?.sent_at ? true : undefined;
    });
    await waitFor('ready again', async () =>
      (await fetch(`http://127.0.0.1:${again.port}/health/ready`)).status === 200
        ? true
        : undefined,
    );
    const applied = volunteerLogs.filter(
      (l) => l.msg === 'event consumed' && l.eventId === eventId && l.outcome === 'applied',
    );
    expect(applied).toHaveLength(1);
    const rows = (await volunteers.service.db.dataSource.query(
      `SELECT count(*)::int AS n FROM processed_events WHERE event_id = $1`,
      [eventId],
    )) as { n: number }[];
    expect(rows[0]!.n).toBe(1);
    const known = (await volunteers.service.db.dataSource.query(
      `SELECT count(*)::int AS n FROM known_residents WHERE resident_id = $1`,
      [resident.id],
    )) as { n: number }[];
    expect(known[0]!.n).toBe(1);
  });
});
