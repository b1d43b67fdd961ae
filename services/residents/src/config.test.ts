import { ConfigError } from '@liyuan/kit';
import { loadConfig } from './config';

describe('residents config', () => {
  const base = { KAFKA_BROKERS: 'a:9092', IDENTITY_SECRET: 's'.repeat(32) };

  it('when VISITS_DUE_TICK_MS is not set, then the visits-due watch ticks every minute', () => {
    expect(loadConfig(base).visitsDue).toEqual({ tickMs: 60_000 });
    expect(loadConfig({ ...base, VISITS_DUE_TICK_MS: '250' }).visitsDue).toEqual({ tickMs: 250 });
  });

  it('when VISITS_DUE_TICK_MS and a common variable are both wrong, then both are reported at once', () => {
    const attempt = () => loadConfig({ ...base, PORT: 'abc', VISITS_DUE_TICK_MS: '10' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PORT[\s\S]*VISITS_DUE_TICK_MS/);
    expect(() => loadConfig({ ...base, VISITS_DUE_TICK_MS: 'soon' })).toThrow(/VISITS_DUE_TICK_MS/);
  });
});
