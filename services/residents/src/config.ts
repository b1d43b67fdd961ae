import { z } from 'zod';
import { ConfigError, loadServiceConfig, parseEnv, type Env } from '@liyuan/kit';

const residentsEnv = z.object({
  /** How often the visits-due watch looks for households that fell due a visit (ms; 1 minute). */
  VISITS_DUE_TICK_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
});

/** The one place the residents process reads its environment (see the service README for variables). */
export function loadConfig(env: Env = process.env) {
  // Both parts are checked before either is reported, so every problem shows at once.
  const problems: string[] = [];
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.message.split('\n').slice(1));
      return undefined;
    }
  };
  const service = attempt(() => loadServiceConfig('residents', 4001, env));
  const own = attempt(() => parseEnv(residentsEnv, env));
  if (!service || !own) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  return { ...service, visitsDue: { tickMs: own.VISITS_DUE_TICK_MS } };
}

export type Config = ReturnType<typeof loadConfig>;
