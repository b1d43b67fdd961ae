/**
 * Local development Kafka broker, as a command:
 *
 *   npx tsx infra/kafka/cli.ts start  [--port 9092] [--controller-port 9093] [--data-dir .data/kafka]
 *   npx tsx infra/kafka/cli.ts start  --brokers 3 [--port 9092] [--data-dir .data/kafka-cluster]
 *   npx tsx infra/kafka/cli.ts stop   [--data-dir .data/kafka]
 *   npx tsx infra/kafka/cli.ts status [--data-dir .data/kafka]
 *
 * `start` leaves the broker running in the background after this command exits; `stop` finds it
 * through the pid file in the data directory; `stop` and `status` see from the data directory whether it
 * holds a cluster (`node-<id>/` directories) and then act on every node. Exit codes: 0 ok (status: running), 1 not running
 * (status) or failure, 2 usage error.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  ensureKafkaJars,
  KafkaBrokerError,
  KafkaPrerequisiteError,
  listClusterNodeIds,
  readKafkaBrokerStatus,
  readKafkaClusterStatus,
  startKafkaBroker,
  startKafkaCluster,
  stopKafkaBroker,
  stopKafkaCluster,
} from './broker';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const DEFAULT_DATA_DIR = path.join(REPO_ROOT, '.data', 'kafka');
const DEFAULT_CLUSTER_DATA_DIR = path.join(REPO_ROOT, '.data', 'kafka-cluster');
const DEFAULT_PORT = 9092;

const USAGE = `Usage: npx tsx infra/kafka/cli.ts <start|stop|status|jars> [options]

  jars   only fetch the pinned broker jars into infra/kafka/lib (CI does this first)

Options:
  --port <n>             client (PLAINTEXT) port, default ${DEFAULT_PORT}
  --controller-port <n>  KRaft controller port, default --port + 1 (9093)
  --brokers <1|n>        1 (default): one broker; n > 1: a KRaft cluster of n broker+controller
                         nodes, node i on --port + 2(i-1) and its controller on the port after
  --data-dir <dir>       data, logs and pid file(s), default .data/kafka in the repository
                         (.data/kafka-cluster with --brokers n); stop and status see a cluster
                         directory by its node-<id>/ directories
  -h, --help             show this help
`;

class UsageError extends Error {}

interface CliOptions {
  command: 'start' | 'stop' | 'status' | 'jars';
  port: number;
  controllerPort: number;
  brokers: number;
  dataDir: string;
}

function parseCli(argv: string[]): CliOptions | null {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      'controller-port': { type: 'string' },
      'data-dir': { type: 'string' },
      brokers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return null;
  const [command, ...rest] = positionals;
  if (command !== 'start' && command !== 'stop' && command !== 'status' && command !== 'jars') {
    throw new UsageError(
      command === undefined ? 'Missing command.' : `Unknown command "${command}".`,
    );
  }
  if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0] ?? ''}".`);
  const port = parsePort(values.port, '--port') ?? DEFAULT_PORT;
  // Derived rather than fixed so `--port 19092` alone doesn't collide with a default broker's 9093.
  const controllerPort = parsePort(values['controller-port'], '--controller-port') ?? port + 1;
  const brokers = values.brokers === undefined ? 1 : Number(values.brokers);
  if (!Number.isInteger(brokers) || brokers < 1 || brokers > 9)
    throw new UsageError(`--brokers must be a number from 1 to 9, got "${values.brokers ?? ''}".`);
  if (brokers > 1 && values['controller-port'] !== undefined)
    throw new UsageError(
      '--controller-port is for one broker; a cluster derives them from --port.',
    );
  return {
    command,
    port,
    controllerPort,
    brokers,
    dataDir: path.resolve(
      values['data-dir'] ?? (brokers > 1 ? DEFAULT_CLUSTER_DATA_DIR : DEFAULT_DATA_DIR),
    ),
  };
}

function parsePort(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new UsageError(`${flag} must be a port number, got "${raw}".`);
  return port;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function isClusterDir(dataDir: string): Promise<boolean> {
  return (await listClusterNodeIds(dataDir)).length > 0;
}

async function startCluster(options: CliOptions): Promise<number> {
  const status = await readKafkaClusterStatus(options.dataDir);
  const alive = status.nodes.filter((n) => n.pid !== null);
  if (alive.length > 0) {
    say(
      `Kafka cluster nodes ${alive.map((n) => `${n.nodeId} (pid ${String(n.pid)})`).join(', ')} already run on ${status.dataDir}; see \`status\`, or \`stop\` and start again.`,
    );
    return alive.length === status.nodes.length && alive.every((n) => n.answering) ? 0 : 1;
  }
  say(
    `Starting a Kafka cluster of ${options.brokers} nodes from 127.0.0.1:${options.port} (data ${options.dataDir}) ...`,
  );
  const startedAt = Date.now();
  const cluster = await startKafkaCluster({
    dataDir: options.dataDir,
    brokers: options.brokers,
    port: options.port,
    detached: true,
  });
  say(
    `Kafka cluster ${cluster.clusterId} is up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.`,
  );
  for (const n of cluster.nodes)
    say(`  node ${n.nodeId}: ${n.address} (controller ${n.controllerPort}, pid ${n.pid})`);
  say(`Bootstrap servers: ${cluster.brokers.join(',')}`);
  say(`Stop with: npx tsx infra/kafka/cli.ts stop --data-dir ${cluster.dataDir}`);
  return 0;
}

async function start(options: CliOptions): Promise<number> {
  if (options.brokers > 1) return startCluster(options);
  const status = await readKafkaBrokerStatus(options.dataDir);
  if (status.pid !== null) {
    if (status.answering) {
      say(
        `Kafka is already running at ${status.brokers.join(',')} (pid ${status.pid}, data ${status.dataDir}).`,
      );
      return 0;
    }
    // Alive but silent: still booting, or wedged. Starting a second JVM on the same data would only
    // fail on Kafka's directory lock, so say what to do instead.
    say(
      `Kafka process ${status.pid} owns ${status.dataDir} but is not answering${status.port === null ? '' : ` on port ${status.port}`}.`,
    );
    say('Wait a few seconds and run `status`, or run `stop` and start again.');
    return 1;
  }
  say(
    `Starting Kafka on 127.0.0.1:${options.port} (controller ${options.controllerPort}, data ${options.dataDir}) ...`,
  );
  const startedAt = Date.now();
  const broker = await startKafkaBroker({
    dataDir: options.dataDir,
    port: options.port,
    controllerPort: options.controllerPort,
    detached: true,
  });
  say(`Kafka is up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (pid ${broker.pid}).`);
  say(`Bootstrap servers: ${broker.brokers.join(',')}`);
  say(`Logs: ${path.join(broker.dataDir, 'logs')}  Stop with: npx tsx infra/kafka/cli.ts stop`);
  return 0;
}

async function stop(options: CliOptions): Promise<number> {
  if (await isClusterDir(options.dataDir)) {
    const pids = await stopKafkaCluster(options.dataDir);
    say(
      pids.length === 0
        ? `Kafka cluster is not running (data ${options.dataDir}).`
        : `Kafka cluster stopped (pids ${pids.join(', ')}).`,
    );
    return 0;
  }
  const pid = await stopKafkaBroker(options.dataDir);
  say(
    pid === null
      ? `Kafka is not running (data ${options.dataDir}).`
      : `Kafka stopped (pid ${pid}).`,
  );
  return 0;
}

async function clusterStatus(options: CliOptions): Promise<number> {
  const current = await readKafkaClusterStatus(options.dataDir);
  for (const n of current.nodes) {
    say(
      `  node ${n.nodeId}: ${n.pid === null ? 'not running' : `pid ${n.pid}, ${n.answering ? 'answering' : 'not answering'}`}${n.port === null ? '' : ` on 127.0.0.1:${n.port}`}`,
    );
  }
  const up = current.nodes.filter((n) => n.answering).length;
  say(
    `Kafka cluster: ${up} of ${current.nodes.length} nodes answering (data ${current.dataDir}); bootstrap ${current.brokers.join(',')}.`,
  );
  return up === current.nodes.length ? 0 : 1;
}

async function status(options: CliOptions): Promise<number> {
  if (await isClusterDir(options.dataDir)) return clusterStatus(options);
  const current = await readKafkaBrokerStatus(options.dataDir);
  if (current.pid === null) {
    say(`Kafka is not running (data ${current.dataDir}).`);
    return 1;
  }
  if (!current.answering) {
    say(
      `Kafka process ${current.pid} is alive but not answering${current.port === null ? '' : ` on port ${current.port}`} (starting, or stuck: see ${path.join(current.dataDir, 'logs')}).`,
    );
    return 1;
  }
  say(
    `Kafka is running at ${current.brokers.join(',')} (pid ${current.pid}, controller ${String(current.controllerPort)}, data ${current.dataDir}).`,
  );
  return 0;
}

async function main(argv: string[]): Promise<number> {
  let options: CliOptions | null;
  try {
    options = parseCli(argv);
  } catch (error) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown flags / missing values.
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (options === null) {
    process.stdout.write(USAGE);
    return 0;
  }
  switch (options.command) {
    case 'start':
      return start(options);
    case 'stop':
      return stop(options);
    case 'status':
      return status(options);
    case 'jars':
      say(`Kafka jars ready in ${await ensureKafkaJars()}`);
      return 0;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // Explicit exit: kafkajs sockets or timers from the probe must not keep the CLI alive.
    process.exit(code);
  },
  (error: unknown) => {
    const known = error instanceof KafkaPrerequisiteError || error instanceof KafkaBrokerError;
    process.stderr.write(
      `${known ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
