import { loadServiceConfig, type Env } from '@liyuan/kit';

/** The one place the residents process reads its environment (see the service README for variables). */
export function loadConfig(env: Env = process.env) {
  return loadServiceConfig('residents', 4001, env);
}

export type Config = ReturnType<typeof loadConfig>;
