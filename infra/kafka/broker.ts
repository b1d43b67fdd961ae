/**
 * Local development Kafka: a real single-node Apache Kafka broker (KRaft, combined
 * broker+controller) run straight from the jars pinned in `pom.xml`.
 *
 * Why not Docker / a tarball: this project's machines have neither a container
 * engine nor access to Apache mirrors; Maven Central is reachable, and the broker
 * is an ordinary JVM program once its jars are on a class path.
 *
 * Layout of a data directory (all created on demand):
 *   server.properties   written on every start (ports may change between starts)
 *   cluster.id          the KRaft cluster id, reused so a restart keeps its data
 *   kafka.pid           pid of the running broker, for `cli.ts stop|status`
 *   kraft/              Kafka's log.dirs: topic partitions and the metadata log
 *   logs/server.log     log4j2 output (WARN and start/stop landmarks)
 *   logs/stdout.log     the JVM's stdout/stderr (default `logFile`)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as net from 'node:net';
import * as path from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { loadKafkaToolConfig } from './config';

const KAFKA_INFRA_DIR = __dirname;
const POM_PATH = path.join(KAFKA_INFRA_DIR, 'pom.xml');
const LIB_DIR = path.join(KAFKA_INFRA_DIR, 'lib');
const LOG4J_CONFIG_PATH = path.join(KAFKA_INFRA_DIR, 'log4j2.properties');
/** Written last into lib/ so a half-finished copy never looks complete. */
const LIB_MARKER_FILE = '.complete.json';

const HOST = '127.0.0.1';
const NODE_ID = 1;
const MIN_JAVA_MAJOR = 17;

const DEFAULT_START_TIMEOUT_MS = 60_000;
const DEFAULT_STOP_TIMEOUT_MS = 30_000;
/** After SIGKILL the kernel reaps promptly; this only bounds a pathological wait. */
const KILL_GRACE_MS = 5_000;
const READY_POLL_INTERVAL_MS = 250;
const EXIT_POLL_INTERVAL_MS = 100;
/** First download of ~45 MB of jars on a slow link; later runs take seconds. */
const MAVEN_TIMEOUT_MS = 10 * 60_000;
const FORMAT_TIMEOUT_MS = 60_000;
const LOG_TAIL_BYTES = 6_000;

/** JVM flags for the broker: a small heap suits a dev box; the GC flags are Kafka's own defaults. */
const BROKER_JVM_ARGS: readonly string[] = [
  '-Xms256m',
  '-Xmx512m',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  // A half-dead broker after an OOM is worse than a dead one: the harness sees the exit.
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
];

/** The formatter is a short-lived CLI: favour JVM start-up time over throughput. */
const FORMAT_JVM_ARGS: readonly string[] = [
  '-Xmx256m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
];

/**
 * A tool the local broker needs (Java 17+, Maven) is missing or unusable.
 * The message tells the human what to install, or to point KAFKA_BROKERS at an existing broker.
 */
export class KafkaPrerequisiteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KafkaPrerequisiteError';
  }
}

/** The broker could not be started or stopped; the message carries the tail of its logs where useful. */
export class KafkaBrokerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KafkaBrokerError';
  }
}

/** Options for {@link startKafkaBroker}. */
export interface StartKafkaBrokerOptions {
  /** Directory holding config, data, logs and the pid file; reuse it to keep topics across restarts. */
  dataDir: string;
  /** PLAINTEXT client port on 127.0.0.1; a free random port when omitted. */
  port?: number;
  /** KRaft CONTROLLER port on 127.0.0.1; a free random port when omitted. */
  controllerPort?: number;
  /** File receiving the JVM's stdout/stderr (appended); defaults to `<dataDir>/logs/stdout.log`. */
  logFile?: string;
  /**
   * Deadline for the broker to become usable, counted once the jars are in place (a first Maven
   * download is not included; storage formatting and JVM start-up are); default 60 s.
   */
  timeoutMs?: number;
  /**
   * Run the broker in its own session so it outlives this Node process (used by `cli.ts start`).
   * When false (default) the broker is sent SIGTERM if this process exits without stopping it.
   */
  detached?: boolean;
}

/** A running broker started by {@link startKafkaBroker}. */
export interface KafkaBrokerHandle {
  /** Bootstrap servers for clients, e.g. `['127.0.0.1:40123']`. */
  brokers: string[];
  /** PLAINTEXT client port. */
  port: number;
  /** KRaft CONTROLLER port. */
  controllerPort: number;
  /** Absolute data directory. */
  dataDir: string;
  /** Process id of the broker JVM. */
  pid: number;
  /** SIGTERM, wait up to 30 s for a clean shutdown, then SIGKILL. Safe to call more than once. */
  stop(): Promise<void>;
}

/** What {@link readKafkaBrokerStatus} finds in a data directory. */
export interface KafkaBrokerStatus {
  /** Absolute data directory. */
  dataDir: string;
  /** Pid from the pid file if that process is alive and is this directory's broker, else null. */
  pid: number | null;
  /** Client port from the data directory's server.properties, if it has one. */
  port: number | null;
  /** Controller port from the data directory's server.properties, if it has one. */
  controllerPort: number | null;
  /** Bootstrap servers derived from `port` (empty when unknown). */
  brokers: string[];
  /** True when the process is alive and the port answers Kafka metadata requests. */
  answering: boolean;
}

// ---------------------------------------------------------------------------
// Jars
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Java
// ---------------------------------------------------------------------------

let javaChecked: Promise<string> | null = null;

/** The java executable: $JAVA_HOME's when set (like Kafka's own scripts), else the one on PATH. */
function javaExecutable(): string {
  const { javaHome } = loadKafkaToolConfig();
  return javaHome ? path.join(javaHome, 'bin', 'java') : 'java';
}

function assertJava(): Promise<string> {
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

// ---------------------------------------------------------------------------
// Start / stop
// ---------------------------------------------------------------------------

interface DataPaths {
  dataDir: string;
  serverProperties: string;
  clusterIdFile: string;
  pidFile: string;
  kraftDir: string;
  logsDir: string;
  serverLog: string;
  defaultStdoutLog: string;
}

function dataPaths(dataDir: string): DataPaths {
  const root = path.resolve(dataDir);
  const logsDir = path.join(root, 'logs');
  return {
    dataDir: root,
    serverProperties: path.join(root, 'server.properties'),
    clusterIdFile: path.join(root, 'cluster.id'),
    pidFile: path.join(root, 'kafka.pid'),
    kraftDir: path.join(root, 'kraft'),
    logsDir,
    serverLog: path.join(logsDir, 'server.log'),
    defaultStdoutLog: path.join(logsDir, 'stdout.log'),
  };
}

/**
 * Starts a single-node KRaft broker and resolves once it answers Kafka requests on 127.0.0.1.
 * Starting again with the same `dataDir` (and ports) after {@link KafkaBrokerHandle.stop} keeps all data.
 * @throws {KafkaPrerequisiteError} when Java or Maven is missing.
 * @throws {KafkaBrokerError} when a broker already runs on `dataDir`, a port is taken, formatting
 *   fails, the JVM exits early, or the broker does not answer within `timeoutMs`.
 */
export async function startKafkaBroker(opts: StartKafkaBrokerOptions): Promise<KafkaBrokerHandle> {
  const libDir = await ensureKafkaJars();
  const java = await assertJava();
  const paths = dataPaths(opts.dataDir);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  await fsp.mkdir(paths.logsDir, { recursive: true });

  const running = await readLivePid(paths);
  if (running !== null) {
    throw new KafkaBrokerError(
      `A Kafka broker (pid ${running}) already runs on ${paths.dataDir}; stop it first ` +
        '(`npx tsx infra/kafka/cli.ts stop --data-dir ...` or its handle).',
    );
  }
  await fsp.rm(paths.pidFile, { force: true });

  const { port, controllerPort } = await choosePorts(opts.port, opts.controllerPort);
  await fsp.writeFile(paths.serverProperties, renderServerProperties(paths, port, controllerPort));
  const clusterId = await loadOrCreateClusterId(paths);
  await formatStorageIfNeeded(java, libDir, paths, clusterId);

  const stdoutLog = path.resolve(opts.logFile ?? paths.defaultStdoutLog);
  await fsp.mkdir(path.dirname(stdoutLog), { recursive: true });
  // Remember where this run's output starts so an error shows this run's lines, not an old run's.
  const logOffsets = { stdout: await fileSize(stdoutLog), server: await fileSize(paths.serverLog) };

  const detached = opts.detached ?? false;
  const child = spawnBroker(java, libDir, paths, stdoutLog, detached);
  const pid = child.pid;
  if (pid === undefined) {
    // spawn() reports ENOENT & co. asynchronously via 'error'; without a pid nothing started.
    const error = await new Promise<unknown>((resolve) => child.once('error', resolve));
    throw new KafkaBrokerError(`Could not spawn ${java}: ${String(error)}`);
  }
  const exit = watchExit(child);
  await fsp.writeFile(paths.pidFile, `${pid}\n`);

  // An embedded broker must not outlive a test run that forgot (or failed) to stop it.
  // 'exit' handlers run synchronously, so only a signal can be sent; the JVM then shuts down on its own.
  const onParentExit = (): void => {
    if (!exit.exited) child.kill('SIGTERM');
  };
  if (detached) child.unref();
  else process.on('exit', onParentExit);

  let stopping: Promise<void> | null = null;
  const handle: KafkaBrokerHandle = {
    brokers: [`${HOST}:${port}`],
    port,
    controllerPort,
    dataDir: paths.dataDir,
    pid,
    stop: () => {
      stopping ??= (async () => {
        try {
          await terminate(pid, exit, DEFAULT_STOP_TIMEOUT_MS);
        } finally {
          process.removeListener('exit', onParentExit);
          await removePidFileIfOwned(paths.pidFile, pid);
        }
      })();
      return stopping;
    },
  };

  try {
    await waitUntilAnswering(handle.brokers, deadline, exit);
  } catch (error) {
    await handle.stop().catch(() => undefined);
    const logs = await describeLogs(
      stdoutLog,
      logOffsets.stdout,
      paths.serverLog,
      logOffsets.server,
    );
    const reason = error instanceof Error ? error.message : String(error);
    throw new KafkaBrokerError(
      `Kafka broker on ${handle.brokers[0]} did not start: ${reason}\n${logs}`,
    );
  }
  return handle;
}

/**
 * Stops the broker recorded in `<dataDir>/kafka.pid` (e.g. one started detached by `cli.ts start`):
 * SIGTERM, wait up to `timeoutMs`, then SIGKILL.
 * @returns the pid that was stopped, or null when no broker was running there.
 */
export async function stopKafkaBroker(
  dataDir: string,
  timeoutMs: number = DEFAULT_STOP_TIMEOUT_MS,
): Promise<number | null> {
  const paths = dataPaths(dataDir);
  const pid = await readLivePid(paths);
  if (pid === null) {
    await fsp.rm(paths.pidFile, { force: true });
    return null;
  }
  await terminate(pid, null, timeoutMs);
  await removePidFileIfOwned(paths.pidFile, pid);
  return pid;
}

/**
 * Reports whether a broker runs on `dataDir` (pid file alive and its port answering).
 * Never throws for a missing or never-used data directory.
 */
export async function readKafkaBrokerStatus(dataDir: string): Promise<KafkaBrokerStatus> {
  const paths = dataPaths(dataDir);
  const pid = await readLivePid(paths);
  const ports = await readConfiguredPorts(paths.serverProperties);
  const brokers = ports.port === null ? [] : [`${HOST}:${ports.port}`];
  const answering = pid !== null && brokers.length > 0 && (await isKafkaAnswering(brokers));
  return { dataDir: paths.dataDir, pid, ...ports, brokers, answering };
}

/**
 * One bounded probe: connects with kafkajs and asks for cluster metadata.
 * @returns true when a broker answered with itself in the metadata, false on any error or timeout.
 */
export async function isKafkaAnswering(
  brokers: string[],
  timeoutMs: number = 3_000,
): Promise<boolean> {
  return (await probeBroker(brokers, timeoutMs, false)) === null;
}

/** Group the readiness probe describes; it never gets members, it only makes the coordinator load. */
const WARMUP_GROUP_ID = 'dev-kafka-readiness-probe';

/**
 * With `coordinators`, also requires the group coordinator and producer-id allocation to serve
 * requests. On a fresh broker the first FindCoordinator creates __consumer_offsets, and after every
 * restart the coordinator reloads it; until then kafkajs consumers fail their join with "The
 * coordinator is loading" and go through a logged crash-and-restart cycle. Likewise the first
 * InitProducerId (idempotent producers) is refused until the broker has fetched a block of producer
 * ids from the controller. Waiting for both here makes the first clients after a start clean.
 * @returns null when ready, else why not (kept for the timeout message).
 */
async function probeBroker(
  brokers: string[],
  timeoutMs: number,
  coordinators: boolean,
): Promise<string | null> {
  const kafka = new Kafka({
    clientId: 'dev-kafka-probe',
    brokers,
    // Refused connections are the expected answer while the broker boots; don't print them.
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(1_000, timeoutMs),
    requestTimeout: timeoutMs,
    // The caller polls; kafkajs' own exponential retries would only blur the deadline.
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  let producer: Producer | undefined;
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) return 'metadata lists no brokers yet';
    // Also exercise a plain Metadata round trip, which is what producers/consumers do first.
    await admin.listTopics();
    if (coordinators) {
      // kafkajs throws on any group-level error code (e.g. COORDINATOR_LOAD_IN_PROGRESS), so
      // resolving at all means the coordinator served it; an unknown group is just "Dead".
      await admin.describeGroups([WARMUP_GROUP_ID]);
      // An idempotent producer's connect() is exactly one InitProducerId round trip. kafkajs
      // refuses idempotence without retries; one quick retry stays well inside the poll budget.
      producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
      });
      await producer.connect();
    }
    return null;
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } finally {
    await producer?.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

interface ExitWatch {
  exited: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  promise: Promise<void>;
}

function watchExit(child: ChildProcess): ExitWatch {
  const watch: ExitWatch = { exited: false, code: null, signal: null, promise: Promise.resolve() };
  watch.promise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      watch.exited = true;
      watch.code = code;
      watch.signal = signal;
      resolve();
    });
    child.once('error', () => {
      watch.exited = true;
      resolve();
    });
  });
  return watch;
}

function spawnBroker(
  java: string,
  libDir: string,
  paths: DataPaths,
  stdoutLog: string,
  detached: boolean,
): ChildProcess {
  const args = [
    ...BROKER_JVM_ARGS,
    ...log4jArgs(paths),
    '-cp',
    path.join(libDir, '*'),
    'kafka.Kafka',
    paths.serverProperties,
  ];
  // The child gets its own descriptor on the log file: output survives this process (detached
  // mode) and nobody has to drain a pipe.
  const out = fs.openSync(stdoutLog, 'a');
  try {
    return spawn(java, args, {
      cwd: paths.dataDir,
      detached,
      stdio: ['ignore', out, out],
      env: loadKafkaToolConfig().childEnv,
    });
  } finally {
    fs.closeSync(out);
  }
}

function log4jArgs(paths: DataPaths): string[] {
  return [`-Dlog4j2.configurationFile=${LOG4J_CONFIG_PATH}`, `-Dkafka.logs.dir=${paths.logsDir}`];
}

/** Polls until the broker answers, the JVM exits, or the deadline passes. */
async function waitUntilAnswering(
  brokers: string[],
  deadline: number,
  exit: ExitWatch,
): Promise<void> {
  let lastProblem = 'none completed';
  for (;;) {
    if (exit.exited) throw new Error(`the JVM exited early (${describeExitWatch(exit)})`);
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new Error(
        `timed out waiting for it to answer Kafka requests (last probe: ${lastProblem})`,
      );
    }
    const problem = await probeBroker(brokers, Math.max(500, Math.min(3_000, remaining)), true);
    if (problem === null) return;
    lastProblem = problem;
    await Promise.race([delay(READY_POLL_INTERVAL_MS), exit.promise]);
  }
}

/**
 * SIGTERM (Kafka's controlled shutdown), wait, then SIGKILL. `exit` is the child's exit watch when
 * this process spawned it; otherwise (pid from a pid file) liveness is polled.
 */
async function terminate(pid: number, exit: ExitWatch | null, timeoutMs: number): Promise<void> {
  const gone = (): boolean => (exit ? exit.exited : !isProcessAlive(pid));
  if (gone()) return;
  signalProcess(pid, 'SIGTERM');
  if (await waitUntil(gone, Date.now() + timeoutMs, exit?.promise)) return;
  signalProcess(pid, 'SIGKILL');
  if (await waitUntil(gone, Date.now() + KILL_GRACE_MS, exit?.promise)) return;
  throw new KafkaBrokerError(`Kafka broker pid ${pid} did not exit after SIGTERM and SIGKILL.`);
}

async function waitUntil(
  done: () => boolean,
  deadline: number,
  wake?: Promise<void>,
): Promise<boolean> {
  while (!done()) {
    if (Date.now() >= deadline) return false;
    await Promise.race(
      wake ? [delay(EXIT_POLL_INTERVAL_MS), wake] : [delay(EXIT_POLL_INTERVAL_MS)],
    );
  }
  return true;
}

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    // Already gone between the liveness check and the signal: that's the outcome we want.
    if (!(isErrnoException(error) && error.code === 'ESRCH')) throw error;
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return isErrnoException(error) && error.code === 'EPERM';
  }
}

/**
 * The broker process of this data directory, if one runs: the pid file's process when it is alive
 * and (where /proc can tell) really is that broker, so a stale pid file never makes `stop` signal an
 * unrelated, reused pid. Without a usable pid file, /proc is scanned for the broker's command line:
 * a second JVM on the same directory must be prevented, because Kafka 4.1 opens the metadata log
 * before it takes the log directory's lock, and reading a live log can trip (or recover, i.e.
 * truncate) it.
 */
async function readLivePid(paths: DataPaths): Promise<number | null> {
  const fromFile = await readPidFile(paths.pidFile);
  if (fromFile !== null && isProcessAlive(fromFile)) {
    const argv = await readCommandLine(fromFile);
    // No procfs (macOS): trust a live pid.
    if (argv === null) return hasProcfs() ? null : fromFile;
    if (isBrokerCommandLine(argv, paths)) return fromFile;
  }
  return hasProcfs() ? findBrokerProcess(paths) : null;
}

async function readPidFile(pidFile: string): Promise<number | null> {
  try {
    const pid = Number.parseInt((await fsp.readFile(pidFile, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function hasProcfs(): boolean {
  return fs.existsSync('/proc/self/cmdline');
}

async function readCommandLine(pid: number): Promise<string[] | null> {
  try {
    return (await fsp.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  } catch {
    return null;
  }
}

function isBrokerCommandLine(argv: string[], paths: DataPaths): boolean {
  return argv.includes('kafka.Kafka') && argv.includes(paths.serverProperties);
}

async function findBrokerProcess(paths: DataPaths): Promise<number | null> {
  for (const entry of await fsp.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const argv = await readCommandLine(pid);
    if (argv !== null && isBrokerCommandLine(argv, paths)) return pid;
  }
  return null;
}

async function removePidFileIfOwned(pidFile: string, pid: number): Promise<void> {
  // A newer broker may already have written its own pid there; leave that one alone.
  if ((await readPidFile(pidFile)) === pid) await fsp.rm(pidFile, { force: true });
}

// ---------------------------------------------------------------------------
// Ports
// ---------------------------------------------------------------------------

async function choosePorts(
  port?: number,
  controllerPort?: number,
): Promise<{ port: number; controllerPort: number }> {
  if (port !== undefined && port === controllerPort) {
    throw new KafkaBrokerError(`port and controllerPort must differ (both ${port}).`);
  }
  const taken = new Set<number>();
  const pick = async (wanted: number | undefined, role: string): Promise<number> => {
    if (wanted !== undefined) {
      await assertPortFree(wanted, role);
      taken.add(wanted);
      return wanted;
    }
    for (;;) {
      const candidate = await findFreePort();
      if (!taken.has(candidate)) {
        taken.add(candidate);
        return candidate;
      }
    }
  };
  // Explicit ports first so a random pick can't collide with them.
  const chosenPort = port !== undefined ? await pick(port, 'client') : undefined;
  const chosenController = await pick(controllerPort, 'controller');
  return {
    port: chosenPort ?? (await pick(undefined, 'client')),
    controllerPort: chosenController,
  };
}

/** Asks the kernel for a free ephemeral port on 127.0.0.1 (bind to port 0, read it, release it). */
function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

/** Fails fast with a clear message instead of letting the JVM die on a bind error. */
function assertPortFree(port: number, role: string): Promise<void> {
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
    return Promise.reject(new KafkaBrokerError(`Invalid ${role} port ${port}.`));
  }
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (error) => {
      const inUse = isErrnoException(error) && error.code === 'EADDRINUSE';
      reject(
        new KafkaBrokerError(
          inUse
            ? `The ${role} port ${HOST}:${port} is already in use (another Kafka? see \`cli.ts status\`).`
            : `Cannot bind the ${role} port ${HOST}:${port}: ${error.message}`,
        ),
      );
    });
    server.listen(port, HOST, () => {
      server.close(() => {
        resolve();
      });
    });
  });
}

async function readConfiguredPorts(
  serverProperties: string,
): Promise<{ port: number | null; controllerPort: number | null }> {
  let text: string;
  try {
    text = await fsp.readFile(serverProperties, 'utf8');
  } catch {
    return { port: null, controllerPort: null };
  }
  const listeners = /^listeners=(.*)$/m.exec(text)?.[1] ?? '';
  const portOf = (name: string): number | null => {
    const match = new RegExp(`${name}://[^,]*:(\\d+)`).exec(listeners);
    return match ? Number(match[1]) : null;
  };
  return { port: portOf('PLAINTEXT'), controllerPort: portOf('CONTROLLER') };
}

// ---------------------------------------------------------------------------
// Config and storage
// ---------------------------------------------------------------------------

function renderServerProperties(paths: DataPaths, port: number, controllerPort: number): string {
  const settings: Array<[string, string | number | boolean] | string> = [
    '# Written by infra/kafka/broker.ts on every start; edits are overwritten.',
    '# Single node, KRaft combined mode: this process is both the broker and the only controller.',
    ['process.roles', 'broker,controller'],
    ['node.id', NODE_ID],
    // Static quorum (not --standalone/dynamic): voters come from config, so the controller port
    // may change between restarts of the same data directory.
    ['controller.quorum.voters', `${NODE_ID}@${HOST}:${controllerPort}`],
    ['listeners', `PLAINTEXT://${HOST}:${port},CONTROLLER://${HOST}:${controllerPort}`],
    ['advertised.listeners', `PLAINTEXT://${HOST}:${port}`],
    ['listener.security.protocol.map', 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT'],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['controller.listener.names', 'CONTROLLER'],
    ['log.dirs', paths.kraftDir],
    '',
    '# A dev box: few threads.',
    ['num.network.threads', 2],
    ['num.io.threads', 4],
    ['num.recovery.threads.per.data.dir', 1],
    '',
    '# Topics: auto-created on first use with 3 partitions, like the services expect.',
    ['auto.create.topics.enable', true],
    ['num.partitions', 3],
    ['default.replication.factor', 1],
    ['min.insync.replicas', 1],
    ['delete.topic.enable', true],
    '',
    '# Internal topics must fit on one broker (defaults assume three).',
    ['offsets.topic.replication.factor', 1],
    ['transaction.state.log.replication.factor', 1],
    ['transaction.state.log.min.isr', 1],
    ['share.coordinator.state.topic.replication.factor', 1],
    ['share.coordinator.state.topic.min.isr', 1],
    '# Fewer internal partitions: created on first use, so this shortens the first group join.',
    ['offsets.topic.num.partitions', 1],
    ['transaction.state.log.num.partitions', 1],
    ['share.coordinator.state.topic.num.partitions', 1],
    '# Tests and dev loops start consumers one by one; do not wait 3 s for more members.',
    ['group.initial.rebalance.delay.ms', 0],
    '',
    '# Small segments and short retention: dev data is disposable, disk is not.',
    ['log.segment.bytes', 16 * 1024 * 1024],
    ['log.retention.hours', 24],
    ['log.retention.bytes', 256 * 1024 * 1024],
    ['log.retention.check.interval.ms', 60_000],
    ['log.cleaner.dedupe.buffer.size', 16 * 1024 * 1024],
    ['metadata.log.segment.bytes', 8 * 1024 * 1024],
  ];
  return `${settings
    .map((entry) =>
      typeof entry === 'string' ? entry : `${entry[0]}=${escapePropertyValue(String(entry[1]))}`,
    )
    .join('\n')}\n`;
}

/** java.util.Properties treats backslashes as escapes (Windows paths). */
function escapePropertyValue(value: string): string {
  return value.replace(/\\/g, '\\\\');
}

/**
 * The cluster id recorded by a previous format wins (meta.properties is what Kafka checks);
 * otherwise reuse cluster.id, otherwise mint one.
 */
async function loadOrCreateClusterId(paths: DataPaths): Promise<string> {
  const fromMeta = await readMetaProperty(paths, 'cluster.id');
  if (fromMeta) {
    await fsp.writeFile(paths.clusterIdFile, `${fromMeta}\n`);
    return fromMeta;
  }
  try {
    const stored = (await fsp.readFile(paths.clusterIdFile, 'utf8')).trim();
    if (stored) return stored;
  } catch {
    // None yet.
  }
  const clusterId = randomKafkaUuid();
  await fsp.writeFile(paths.clusterIdFile, `${clusterId}\n`);
  return clusterId;
}

/**
 * Same shape as Kafka's `Uuid.randomUuid()` (what `kafka-storage random-uuid` prints): 16 random bytes,
 * base64url without padding, never starting with '-' (it would read as a CLI flag). Saves a JVM start.
 */
function randomKafkaUuid(): string {
  for (;;) {
    const bytes = randomBytes(16);
    // Version 4 / IETF variant bits, as java.util.UUID.randomUUID sets them.
    bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
    bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
    const id = bytes.toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function readMetaProperty(paths: DataPaths, key: string): Promise<string | null> {
  try {
    const text = await fsp.readFile(path.join(paths.kraftDir, 'meta.properties'), 'utf8');
    return new RegExp(`^${key.replace(/\./g, '\\.')}=(.*)$`, 'm').exec(text)?.[1]?.trim() ?? null;
  } catch {
    return null;
  }
}

/**
 * Formats the KRaft storage unless it already is. Skipping the JVM when meta.properties exists keeps
 * restarts fast; `--ignore-formatted` still makes a racing or repeated format harmless.
 */
async function formatStorageIfNeeded(
  java: string,
  libDir: string,
  paths: DataPaths,
  clusterId: string,
): Promise<void> {
  if ((await readMetaProperty(paths, 'cluster.id')) !== null) return;
  const args = [
    ...FORMAT_JVM_ARGS,
    ...log4jArgs(paths),
    '-cp',
    path.join(libDir, '*'),
    'kafka.tools.StorageTool',
    'format',
    '--cluster-id',
    clusterId,
    '--config',
    paths.serverProperties,
    '--ignore-formatted',
  ];
  const result = await runProcess(java, args, { cwd: paths.dataDir, timeoutMs: FORMAT_TIMEOUT_MS });
  if (result.code !== 0) {
    throw new KafkaBrokerError(
      `Formatting Kafka storage in ${paths.kraftDir} failed (${describeExit(result)}):\n${tailText(result.output, LOG_TAIL_BYTES)}`,
    );
  }
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs a short-lived command, capturing stdout+stderr; rejects only if it cannot be spawned. */
function runProcess(
  command: string,
  args: string[],
  options: { cwd?: string; timeoutMs: number },
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

function describeExit(result: { code: number | null; signal: NodeJS.Signals | null }): string {
  return result.signal ? `killed by ${result.signal}` : `exit code ${String(result.code)}`;
}

function describeExitWatch(exit: ExitWatch): string {
  return exit.signal || exit.code !== null ? describeExit(exit) : 'could not be spawned';
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await fsp.stat(file)).size;
  } catch {
    return 0;
  }
}

/** This run's part of a log file (from `offset`), cut to its last `maxBytes`. */
async function readLogSince(file: string, offset: number, maxBytes: number): Promise<string> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(file, 'r');
    const size = (await handle.stat()).size;
    // A rolled-over file restarts at 0.
    const from = Math.max(size < offset ? 0 : offset, size - maxBytes);
    const buffer = Buffer.alloc(size - from);
    await handle.read(buffer, 0, buffer.length, from);
    return buffer.toString('utf8');
  } catch {
    return '';
  } finally {
    await handle?.close();
  }
}

async function describeLogs(
  stdoutLog: string,
  stdoutOffset: number,
  serverLog: string,
  serverOffset: number,
): Promise<string> {
  const parts: string[] = [];
  for (const [file, offset] of [
    [serverLog, serverOffset],
    [stdoutLog, stdoutOffset],
  ] as const) {
    const text = (await readLogSince(file, offset, LOG_TAIL_BYTES)).trim();
    parts.push(`--- ${file} (this run, tail) ---\n${text || '(empty)'}`);
  }
  return parts.join('\n');
}

function tailText(text: string, maxChars: number): string {
  return text.length > maxChars ? `…${text.slice(-maxChars)}` : text;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}
