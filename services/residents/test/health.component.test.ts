import { createServer } from 'node:net';
import { startTestResidents } from '@liyuan/test-support/stack';
import { waitFor } from '@liyuan/test-support/wait';

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

describe('residents health and metrics', () => {
  it('when the database and broker answer, then it is ready and reports its metrics', async () => {
    const { service, stop } = await startTestResidents();
    try {
      await service.eventsReady;
      const live = await fetch(`http://127.0.0.1:${service.port}/health/live`);
      expect(live.status).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${service.port}/health/ready`);
      expect(ready.status).toBe(200);
      // The consumer adds a check of its own; these are the ones this test is about.
      expect(await ready.json()).toMatchObject({
        status: 'ready',
        checks: { database: true, kafka: true, outbox: true },
      });
      const metrics = await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text();
      expect(metrics).toContain('outbox_backlog{service="residents"}');
      expect(metrics).toContain('http_request_duration_seconds_bucket');
    } finally {
      await stop();
    }
  });

  it('when the broker is unreachable, then it reports not ready for Kafka and still serves the database', async () => {
    const { service, stop } = await startTestResidents({
      brokers: [`127.0.0.1:${await closedPort()}`],
    });
    try {
      const body = await waitFor('a readiness answer', async () => {
        const res = await fetch(`http://127.0.0.1:${service.port}/health/ready`);
        return res.status === 503
          ? ((await res.json()) as { checks: Record<string, boolean> })
          : undefined;
      });
      expect(body.checks).toMatchObject({ database: true, kafka: false, outbox: true });
    } finally {
      await stop();
    }
  });
});
