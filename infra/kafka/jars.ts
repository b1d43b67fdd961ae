// The broker's jars: infra/kafka/lib/ holds exactly those pom.xml pins, fetched by Maven when not.
import { createHash, randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { describeExit, LOG_TAIL_BYTES, runProcess, tailText, type ProcessResult } from './command';
import { isErrnoException, KafkaPrerequisiteError } from './errors';
import { assertJava } from './java';
import { LIB_DIR, POM_PATH } from './paths';

/** Written last into lib/ so a half-finished copy never looks complete. */
const LIB_MARKER_FILE = '.complete.json';

/** First download of ~45 MB of jars on a slow link; later runs take seconds. */
const MAVEN_TIMEOUT_MS = 10 * 60_000;

interface LibMarker {
  pomSha256: string;
  jars: string[];
}

let jarsInFlight: Promise<string> | null = null;

/**
 * Makes sure `infra/kafka/lib/` holds exactly the jars that `pom.xml` pins and returns that directory.
 * Maven runs only when lib/ is missing, incomplete, or was copied from a different pom.
 * @throws {KafkaPrerequisiteError} when Java 17+ or Maven is missing, or Maven cannot fetch the jars.
 */
export function ensureKafkaJars(): Promise<string> {
  // Concurrent callers in one process share one copy; a failure is not cached so a retry can succeed.
  jarsInFlight ??= ensureKafkaJarsOnce().finally(() => {
    jarsInFlight = null;
  });
  return jarsInFlight;
}

async function ensureKafkaJarsOnce(): Promise<string> {
  await assertJava();
  const pomSha256 = createHash('sha256')
    .update(await fsp.readFile(POM_PATH))
    .digest('hex');
  if (await libIsComplete(LIB_DIR, pomSha256)) return LIB_DIR;

  // Copy into a private directory and swap it in, so a concurrent process (another
  // test worker) never runs java against a half-copied lib/.
  const staging = `${LIB_DIR}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await runMavenCopy(staging);
    const jars = (await fsp.readdir(staging)).filter((name) => name.endsWith('.jar')).sort();
    if (jars.length === 0) {
      throw new KafkaPrerequisiteError(`Maven copied no jars from ${POM_PATH} into ${staging}.`);
    }
    const marker: LibMarker = { pomSha256, jars };
    await fsp.writeFile(
      path.join(staging, LIB_MARKER_FILE),
      `${JSON.stringify(marker, null, 2)}\n`,
    );
    // Someone else may have finished meanwhile; their copy is as good as ours.
    if (!(await libIsComplete(LIB_DIR, pomSha256))) {
      await fsp.rm(LIB_DIR, { recursive: true, force: true });
      await fsp.rename(staging, LIB_DIR);
    }
  } finally {
    await fsp.rm(staging, { recursive: true, force: true });
  }
  return LIB_DIR;
}

async function libIsComplete(libDir: string, pomSha256: string): Promise<boolean> {
  let marker: LibMarker;
  try {
    marker = parseLibMarker(await fsp.readFile(path.join(libDir, LIB_MARKER_FILE), 'utf8'));
  } catch {
    return false;
  }
  if (marker.pomSha256 !== pomSha256) return false;
  const present = new Set(await fsp.readdir(libDir));
  return marker.jars.every((jar) => present.has(jar));
}

function parseLibMarker(text: string): LibMarker {
  const value: unknown = JSON.parse(text);
  if (typeof value === 'object' && value !== null && 'pomSha256' in value && 'jars' in value) {
    const { pomSha256, jars } = value;
    if (
      typeof pomSha256 === 'string' &&
      Array.isArray(jars) &&
      jars.every((j): j is string => typeof j === 'string')
    ) {
      return { pomSha256, jars };
    }
  }
  throw new Error('malformed lib marker');
}

async function runMavenCopy(outputDir: string): Promise<void> {
  const args = [
    '-q',
    '-B',
    '-f',
    POM_PATH,
    'dependency:copy-dependencies',
    '-DincludeScope=runtime',
    `-DoutputDirectory=${outputDir}`,
  ];
  let result: ProcessResult;
  try {
    result = await runProcess('mvn', args, { timeoutMs: MAVEN_TIMEOUT_MS });
  } catch (error) {
    if (isErrnoException(error) && error.code === 'ENOENT') {
      throw new KafkaPrerequisiteError(
        'Maven (`mvn`) is not on PATH; it is needed once to download the Kafka broker jars pinned in ' +
          `${POM_PATH}. Install Maven 3.8+ (e.g. \`apt-get install maven\`), or set KAFKA_BROKERS to an ` +
          'existing broker (e.g. KAFKA_BROKERS=127.0.0.1:9092) instead of starting a local one.',
      );
    }
    throw error;
  }
  if (result.code !== 0) {
    throw new KafkaPrerequisiteError(
      `Maven could not copy the Kafka jars (${describeExit(result)}); is Maven Central reachable? ` +
        'Alternatively set KAFKA_BROKERS to an existing broker.\n' +
        tailText(result.output, LOG_TAIL_BYTES),
    );
  }
}
