import { ConfigError, dedupeWindowProblem, loadServiceConfig } from './config';

describe('service configuration', () => {
  const base = { KAFKA_BROKERS: 'a:9092, b:9092', IDENTITY_SECRET: 's'.repeat(32) };

  it('when only the required variables are set, then defaults fill the rest and the relay listens', () => {
    const c = loadServiceConfig('residents', 4001, base);
    expect(c.port).toBe(4001);
    expect(c.kafka.brokers).toEqual(['a:9092', 'b:9092']);
    expect(c.database.url).toBeUndefined();
    expect(c.database.dataDir).toBe('.data/residents');
    expect(c.outbox.listen).toBe(true);
  });

  it('when OUTBOX_LISTEN is false, then the relay only polls', () => {
    const c = loadServiceConfig('residents', 4001, { ...base, OUTBOX_LISTEN: 'false' });
    expect(c.outbox.listen).toBe(false);
  });

  it('when several variables are wrong, then one error names them all', () => {
    const attempt = () =>
      loadServiceConfig('residents', 4001, { PORT: 'abc', IDENTITY_SECRET: 'short' });
    expect(attempt).toThrow(ConfigError);
    const message = (() => {
      try {
        attempt();
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    for (const name of ['KAFKA_BROKERS', 'IDENTITY_SECRET', 'PORT'])
      expect(message).toContain(name);
  });

  const messageOf = (attempt: () => unknown): string => {
    try {
      attempt();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error('the configuration was accepted');
  };

  it('when nothing about retention is set, then sent outbox rows stay 7 days, processed events 14, topics keep 7 days in segments of a day, pruned 1000 rows a statement every minute', () => {
    const c = loadServiceConfig('residents', 4001, base);
    const hours = (ms: number) => ms / 3_600_000;
    expect({
      topicRetention: hours(c.kafka.topicRetentionMs),
      topicSegment: hours(c.kafka.topicSegmentMs),
      outboxRetention: hours(c.prune.outboxRetentionMs),
      dedupeWindow: hours(c.prune.dedupeWindowMs),
      batchSize: c.prune.batchSize,
      maxBatchesPerRun: c.prune.maxBatchesPerRun,
      intervalMs: c.prune.intervalMs,
    }).toEqual({
      topicRetention: 168,
      topicSegment: 24,
      outboxRetention: 168,
      dedupeWindow: 336,
      batchSize: 1000,
      maxBatchesPerRun: 100,
      intervalMs: 60_000,
    });
  });

  it('when the dedupe window is shorter than the topic retention, then the process refuses to start, naming both variables', () => {
    const message = messageOf(() =>
      loadServiceConfig('residents', 4001, {
        ...base,
        TOPIC_RETENTION_HOURS: '168',
        DEDUPE_WINDOW_HOURS: '72',
      }),
    );
    expect(message).toContain('DEDUPE_WINDOW_HOURS (72)');
    expect(message).toContain('TOPIC_RETENTION_HOURS (168)');
    expect(message).toContain('at least 192');
  });

  it('when the dedupe window covers the retention but not the last segment a record may sit in, then it is refused too; one segment more is accepted', () => {
    const env = { ...base, TOPIC_RETENTION_HOURS: '48' };
    expect(() =>
      loadServiceConfig('residents', 4001, { ...env, DEDUPE_WINDOW_HOURS: '48' }),
    ).toThrow(ConfigError);
    expect(() =>
      loadServiceConfig('residents', 4001, { ...env, DEDUPE_WINDOW_HOURS: '71' }),
    ).toThrow(ConfigError);
    const c = loadServiceConfig('residents', 4001, { ...env, DEDUPE_WINDOW_HOURS: '72' });
    expect(c.prune.dedupeWindowMs).toBe(72 * 3_600_000);
    // A retention under a day is its own segment.
    expect(dedupeWindowProblem(2, 1)).toBeUndefined();
    expect(dedupeWindowProblem(1.5, 1)).toContain('at least 2');
  });

  it('when the dedupe window is too short and another variable is wrong, then one error names both problems', () => {
    const message = messageOf(() =>
      loadServiceConfig('residents', 4001, {
        ...base,
        PRUNE_BATCH_SIZE: '0',
        DEDUPE_WINDOW_HOURS: '24',
      }),
    );
    expect(message).toContain('PRUNE_BATCH_SIZE');
    expect(message).toContain(
      'DEDUPE_WINDOW_HOURS (24) is shorter than TOPIC_RETENTION_HOURS (168)',
    );
  });
});
