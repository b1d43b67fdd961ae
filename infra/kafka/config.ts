import { z } from 'zod';

/**
 * The one place the local broker's tooling reads the environment: which Java to run (JAVA_HOME,
 * as Kafka's own scripts honour it) and the environment the JVM inherits.
 */
export function loadKafkaToolConfig(env: Record<string, string | undefined> = process.env) {
  const e = z.object({ JAVA_HOME: z.string().min(1).optional() }).parse(env);
  return { javaHome: e.JAVA_HOME, childEnv: { ...env } };
}
