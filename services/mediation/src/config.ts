import { loadServiceConfig, type Env } from '@liyuan/kit';

/** The one place the mediation process reads its environment (see the service README for variables). */
export function loadConfig(env: Env = process.env) {
  return loadServiceConfig('mediation', 4005, env);
}

export type Config = ReturnType<typeof loadConfig>;
