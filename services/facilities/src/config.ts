import { z } from 'zod';
import { loadServiceConfig, parseEnv, type Env } from '@liyuan/kit';

/** The one place the facilities process reads its environment (see the service README). */
export function loadConfig(env: Env = process.env) {
  const own = parseEnv(
    z.object({
      /** Load the community's facilities, equipment, books and a booking history into an empty database. */
      DEMO_DATA: z.enum(['true', 'false']).default('false'),
    }),
    env,
  );
  return { ...loadServiceConfig('facilities', 4002, env), demoData: own.DEMO_DATA === 'true' };
}

export type Config = ReturnType<typeof loadConfig>;
