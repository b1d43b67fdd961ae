import { loadServiceConfig, type Env } from '@liyuan/kit';

/** The one place the facilities process reads its environment (see the service README for variables). */
export function loadConfig(env: Env = process.env) {
  return loadServiceConfig('facilities', 4002, env);
}

export type Config = ReturnType<typeof loadConfig>;
