import { ConfigError, loadServiceConfig } from './config';

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
});
