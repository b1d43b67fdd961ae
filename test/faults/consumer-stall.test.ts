import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { chromium, type Browser } from 'playwright-core';
import { RESIDENTS_TOPICS, ResidentRegistered } from '@liyuan/schemas';
import { newTraceparent } from '@liyuan/kit';
import { testKafka, testTopic } from '../support/kafka';
import {
  startTestGateway,
  startTestService,
  type TestGateway,
  type TestService,
} from '../support/stack';
import { waitFor } from '../support/wait';

const RED = 'rgb(200, 54, 46)';

interface Readiness {
  status: number;
  checks: Record<string, boolean>;
}

/**
 * A consumer that stops moving while events wait: volunteers' consumer of the resident topic is
 * held by a lock on its processed-events table (the fault point), so events arrive and lag rises
 * but its committed offsets stand still. Readiness must fail naming the consumer, the status page
 * must turn that subgraph's lag red, and both must recover once the lock goes.
 */
describe('a stalled consumer is visible', () => {
  let volunteers: TestService;
  let gw: TestGateway;
  let browser: Browser;
  const producer = testKafka().producer();

  const readiness = async (): Promise<Readiness> => {
    const res = await fetch(new URL('/health/ready', volunteers.service.url));
    const body = (await res.json()) as { checks: Record<string, boolean> };
    return { status: res.status, checks: body.checks };
  };

  beforeAll(async () => {
    volunteers = await startTestService('volunteers', {
      env: { CONSUMER_STALL_SECONDS: '2', CONSUMER_LAG_INTERVAL_MS: '200' },
    });
    await volunteers.service.eventsReady;
    gw = await startTestGateway(
      { volunteers: volunteers.service },
      { env: { STATUS_POLL_MS: '300' } },
    );
    await producer.connect();
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await producer.disconnect();
    await gw?.stop();
    await volunteers?.stop();
  });

  it('when its consumer is held while events wait, then readiness fails naming it and the page turns its lag red; released, both recover', async () => {
    const page = await browser.newPage();
    await page.goto(`${new URL(gw.url).origin}/status`);
    await page.waitForSelector('tr[data-subgraph="volunteers"].up', { timeout: 15_000 });
    const before = await waitFor('volunteers ready with a consumer check', async () => {
      const r = await readiness();
      return r.status === 200 && Object.keys(r.checks).some((k) => k.startsWith('consumer:'))
        ? r
        : undefined;
    });
    const check = Object.keys(before.checks).find((k) => k.endsWith('volunteers'))!;
    expect(check).toMatch(/^consumer:.*volunteers$/);
    const groupId = check.slice('consumer:'.length);

    const lock = new Client({ connectionString: volunteers.database.url });
    await lock.connect();
    try {
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE processed_events IN ACCESS EXCLUSIVE MODE');
      const residents = [1, 2, 3].map(() => randomUUID());
      await producer.send({
        topic: testTopic(RESIDENTS_TOPICS.resident),
        messages: residents.map((residentId) => {
          const id = randomUUID();
          return {
            key: residentId,
            value: JSON.stringify({
              id,
              type: ResidentRegistered.type,
              version: 1,
              source: 'residents',
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
            }),
            headers: { 'event-id': id, 'event-type': ResidentRegistered.type },
          };
        }),
      });

      const stalled = await waitFor(
        'readiness failing on the consumer',
        async () => {
          const r = await readiness();
          return r.status === 503 && r.checks[check] === false ? r : undefined;
        },
        20_000,
      );
      // Only the consumer fails: the database, the broker and the outbox are fine.
      expect(stalled.checks).toMatchObject({ database: true, kafka: true, outbox: true });
      await page.waitForFunction(
        `(() => {
          const td = document.querySelector('tr[data-subgraph="volunteers"] td.stalled');
          return td !== null && getComputedStyle(td).backgroundColor === '${RED}'
            && td.textContent.includes(${JSON.stringify(groupId)});
        })()`,
        undefined,
        { timeout: 10_000 },
      );
      const lagText = await page.$eval(
        'tr[data-subgraph="volunteers"] td.stalled',
        (td) => td.textContent ?? '',
      );
      expect(Number(lagText.split(' ')[0])).toBeGreaterThan(0);
    } finally {
      await lock.query('ROLLBACK').catch(() => undefined);
      await lock.end();
    }

    await waitFor('readiness recovered', async () => {
      const r = await readiness();
      return r.status === 200 && r.checks[check] === true ? r : undefined;
    });
    await page.waitForSelector('tr[data-subgraph="volunteers"].up', { timeout: 10_000 });
    await page.waitForFunction(
      `document.querySelector('tr[data-subgraph="volunteers"] td.stalled') === null`,
      undefined,
      { timeout: 10_000 },
    );
    // The events held back are applied and committed: the lag the page shows returns to 0.
    await page.waitForFunction(
      `document.querySelectorAll('tr[data-subgraph="volunteers"] td')[7]?.textContent === '0'`,
      undefined,
      { timeout: 15_000 },
    );
  });
});
