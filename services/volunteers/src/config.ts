import { loadServiceConfig, type Env } from '@liyuan/kit';

/** The one place the volunteers process reads its environment (see the service README for variables). */
export function loadConfig(env: Env = process.env) {
  return loadServiceConfig('volunteers', 4004, env);
}

export type Config = ReturnType<typeof loadConfig>;
