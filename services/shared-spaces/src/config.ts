import { z } from 'zod';
import { loadServiceConfig, parseEnv, type Env } from '@liyuan/kit';

/** The one place the shared-spaces process reads its environment (see the service README). */
export function loadConfig(env: Env = process.env) {
  const own = parseEnv(
    z.object({
      /** Load the ten shared spaces, branches, members and a season of activities into an empty database. */
      DEMO_DATA: z.enum(['true', 'false']).default('false'),
    }),
    env,
  );
  return { ...loadServiceConfig('shared-spaces', 4003, env), demoData: own.DEMO_DATA === 'true' };
}

export type Config = ReturnType<typeof loadConfig>;
