import type { Producer } from 'kafkajs';
import { createMetrics } from '../metrics';
import { isDatabaseUnavailable, RetryPolicy, type RetryHooks } from './retry-policy';

/** A producer that records what would go to the dead-letter topic. */
function recordingProducer(): { producer: Producer; sent: unknown[] } {
  const sent: unknown[] = [];
  const producer = {
    events: { DISCONNECT: 'producer.disconnect' },
    on: () => () => undefined,
    connect: async () => undefined,
    send: async (record: unknown) => {
      sent.push(record);
      return [];
    },
  } as unknown as Producer;
  return { producer, sent };
}

const source = {
  topic: 'residents.resident',
  partition: 0,
  message: { key: null, value: Buffer.from('{}'), offset: '7', headers: {} },
} as never;

const hooks = (log: string[]): RetryHooks => ({
  failed: (attempt) => void log.push(`failed ${attempt}`),
  unavailable: () => void log.push('unavailable'),
  waited: async () => undefined,
  stopping: () => false,
});

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('the retry policy while the database is unreachable', () => {
  it('when connection errors are classified, then refused, dropped and lost connections are the database being away, and a failed statement is not', () => {
    expect(isDatabaseUnavailable(refused())).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable({ message: 'query failed', driverError: { code: '57P01' } })).toBe(
      true,
    );
    expect(isDatabaseUnavailable({ message: 'x', code: '08006' })).toBe(true);
    expect(
      isDatabaseUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' })),
    ).toBe(false);
    expect(isDatabaseUnavailable(new Error('handler bug'))).toBe(false);
  });

  it('when the database refuses connections for more tries than allowed, then the event waits for it and applies, and nothing is dead-lettered', async () => {
    const { producer, sent } = recordingProducer();
    const metrics = createMetrics('test');
    const policy = new RetryPolicy({
      groupId: 'g',
      maxAttempts: 2,
      backoffMs: 1,
      unavailableWaitMs: 2,
      producer,
      metrics,
    });
    let calls = 0;
    const log: string[] = [];
    const settled = await policy.settle(
      source,
      async () => {
        if (++calls <= 10) throw refused();
        return 'applied';
      },
      hooks(log),
    );
    expect(settled).toEqual({ ok: true, value: 'applied' });
    expect(log).toEqual(Array.from({ length: 10 }, () => 'unavailable'));
    expect(sent).toEqual([]);
  });

  it('when the work itself keeps failing, then it is still dead-lettered after the allowed tries (so the check above can fail)', async () => {
    const { producer, sent } = recordingProducer();
    const policy = new RetryPolicy({
      groupId: 'g',
      maxAttempts: 3,
      backoffMs: 1,
      producer,
      metrics: createMetrics('test'),
    });
    const log: string[] = [];
    const settled = await policy.settle(
      source,
      async () => {
        throw new Error('handler bug');
      },
      hooks(log),
    );
    expect(settled).toMatchObject({ ok: false, attempts: 3 });
    expect(log).toEqual(['failed 1', 'failed 2', 'failed 3']);
    expect(sent).toHaveLength(1);
  });

  it('when the consumer stops while the database is away, then the failure is thrown, not retried or dead-lettered', async () => {
    const { producer, sent } = recordingProducer();
    const policy = new RetryPolicy({
      groupId: 'g',
      maxAttempts: 2,
      backoffMs: 1,
      producer,
      metrics: createMetrics('test'),
    });
    await expect(
      policy.settle(
        source,
        async () => {
          throw refused();
        },
        { ...hooks([]), stopping: () => true },
      ),
    ).rejects.toThrow(/ECONNREFUSED/);
    expect(sent).toEqual([]);
  });
});
