import { z } from 'zod';
import { loadServiceConfig, parseEnv, type Env } from '@liyuan/kit';

/** The one place the residents process reads its environment (see the service README for variables). */
export function loadConfig(env: Env = process.env) {
  const own = parseEnv(
    z.object({
      /** Load the synthetic demo community into an empty registry at start (npm start sets it). */
      DEMO_DATA: z.enum(['true', 'false']).default('false'),
    }),
    env,
  );
  return { ...loadServiceConfig('residents', 4001, env), demoData: own.DEMO_DATA === 'true' };
}

export type Config = ReturnType<typeof loadConfig>;
