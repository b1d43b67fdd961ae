import { loadServiceConfig, type Env } from '@liyuan/kit';

/** The one place the shared-spaces process reads its environment (see the service README for variables). */
export function loadConfig(env: Env = process.env) {
  return loadServiceConfig('shared-spaces', 4003, env);
}

export type Config = ReturnType<typeof loadConfig>;
