// The Java the broker runs on: $JAVA_HOME's or the one on PATH, version 17 or later.
import * as path from 'node:path';
import { describeExit, runProcess, type ProcessResult } from './command';
import { loadKafkaToolConfig } from './config';
import { isErrnoException, KafkaPrerequisiteError } from './errors';

const MIN_JAVA_MAJOR = 17;

let javaChecked: Promise<string> | null = null;

/** The java executable: $JAVA_HOME's when set (like Kafka's own scripts), else the one on PATH. */
function javaExecutable(): string {
  const { javaHome } = loadKafkaToolConfig();
  return javaHome ? path.join(javaHome, 'bin', 'java') : 'java';
}

export function assertJava(): Promise<string> {
  javaChecked ??= checkJava().catch((error: unknown) => {
    javaChecked = null;
    throw error;
  });
  return javaChecked;
}

async function checkJava(): Promise<string> {
  const java = javaExecutable();
  let result: ProcessResult;
  try {
    result = await runProcess(java, ['-version'], { timeoutMs: 30_000 });
  } catch (error) {
    if (isErrnoException(error) && error.code === 'ENOENT') {
      throw new KafkaPrerequisiteError(
        `Java (\`${java}\`${loadKafkaToolConfig().javaHome ? ', from JAVA_HOME' : ''}) was not found; the ` +
          `local Kafka broker needs Java ${MIN_JAVA_MAJOR}+ ` +
          '(e.g. `apt-get install openjdk-17-jre-headless`). Alternatively set KAFKA_BROKERS to an ' +
          'existing broker (e.g. KAFKA_BROKERS=127.0.0.1:9092) instead of starting a local one.',
      );
    }
    throw error;
  }
  // `java -version` prints e.g. `openjdk version "17.0.15" 2025-04-15` (or "1.8.0_392" before Java 9).
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.output);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : NaN;
  if (result.code !== 0 || !(major >= MIN_JAVA_MAJOR)) {
    throw new KafkaPrerequisiteError(
      `Kafka 4.1 needs Java ${MIN_JAVA_MAJOR}+, but \`${java} -version\` reported: ` +
        `${result.output.trim().split('\n')[0] ?? describeExit(result)}. Install a newer JDK/JRE or set ` +
        'KAFKA_BROKERS to an existing broker instead.',
    );
  }
  return java;
}
