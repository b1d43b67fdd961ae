import { z } from 'zod';
import { loadServiceConfig, parseEnv, type Env } from '@liyuan/kit';

/** The one place the mediation process reads its environment (see the service README). */
export function loadConfig(env: Env = process.env) {
  const own = parseEnv(
    z.object({
      /** Load a mediator roster and a year of cases into an empty database. */
      DEMO_DATA: z.enum(['true', 'false']).default('false'),
    }),
    env,
  );
  return { ...loadServiceConfig('mediation', 4005, env), demoData: own.DEMO_DATA === 'true' };
}

export type Config = ReturnType<typeof loadConfig>;
