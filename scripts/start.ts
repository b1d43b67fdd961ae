import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { ConfigError } from '@liyuan/kit';
import {
  ensureKafkaJars,
  KafkaPrerequisiteError,
  readKafkaBrokerStatus,
  startKafkaBroker,
  type KafkaBrokerHandle,
} from '../infra/kafka/broker';
import { issueToken } from '../gateway/src/auth';
import { LOCAL_SUBGRAPHS, loadScriptConfig, REPO_ROOT, type ScriptConfig } from './config';
import { DEV_JWT, devSecrets } from './dev-secrets';

const TSX_CLI = require.resolve('tsx/cli');
const say = (line: string): void => void process.stdout.write(`${line}\n`);

interface Child {
  name: string;
  process: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
}

async function startLocalKafka(
  config: ScriptConfig,
): Promise<{ brokers: string[]; broker?: KafkaBrokerHandle }> {
  const dataDir = join(config.dataDir, 'kafka');
  const status = await readKafkaBrokerStatus(dataDir);
  if (status.answering) {
    say(`kafka         reusing the local broker at ${status.brokers.join(',')}`);
    return { brokers: status.brokers };
  }
  say('kafka         preparing the local broker (the first start fetches its jars with Maven)...');
  await ensureKafkaJars();
  const broker = await startKafkaBroker({
    dataDir,
    port: config.kafkaPort,
    controllerPort: config.kafkaPort + 1,
  });
  say(`kafka         ${broker.brokers.join(',')} (KRaft, data in ${dataDir})`);
  return { brokers: broker.brokers, broker };
}

/** Per-service database URL on the configured server (created when missing), or undefined for an embedded server per service. */
async function serviceDatabaseUrl(
  config: ScriptConfig,
  service: string,
): Promise<string | undefined> {
  if (!config.databaseUrl) return undefined;
  const name = `liyuan_${service.replace(/-/g, '_')}`;
  const admin = new Client({ connectionString: config.databaseUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(config.databaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

function spawnChild(
  name: string,
  entry: string,
  env: Record<string, string>,
  logDir: string,
): Child {
  const logFile = join(logDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [TSX_CLI, entry], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { name, process: child, logFile, exited };
}

async function waitReady(child: Child, port: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let done = false;
  void child.exited.then(() => (done = true));
  while (Date.now() < deadline) {
    if (done) break;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const tail = existsSync(child.logFile)
    ? readFileSync(child.logFile, 'utf8').split('\n').slice(-15).join('\n')
    : '';
  throw new Error(
    `${child.name} did not become ready${done ? ' (it exited)' : ''}; last lines of ${child.logFile}:\n${tail}`,
  );
}

async function main(): Promise<void> {
  const config = loadScriptConfig();
  const logDir = join(config.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const secrets = devSecrets(config);
  const children: Child[] = [];
  let broker: KafkaBrokerHandle | undefined;
  let stopping = false;

  const stopAll = async (code: number): Promise<never> => {
    if (stopping) return new Promise<never>(() => undefined);
    stopping = true;
    say('\nstopping...');
    for (const child of [...children].reverse()) {
      if (child.process.exitCode === null) child.process.kill('SIGTERM');
      await child.exited;
      say(`stopped       ${child.name}`);
    }
    if (broker) {
      await broker.stop();
      say('stopped       kafka');
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    let brokers = config.kafkaBrokers;
    if (!brokers?.length) {
      const local = await startLocalKafka(config);
      brokers = local.brokers;
      broker = local.broker;
    } else {
      say(`kafka         using KAFKA_BROKERS=${brokers.join(',')}`);
    }
    const base = {
      PATH: config.path,
      HOME: config.home,
      NODE_ENV: 'development',
      LOG_LEVEL: config.logLevel,
    };

    // The subgraphs start side by side (each only needs its own database and the broker).
    await Promise.all(
      LOCAL_SUBGRAPHS.map(async (s) => {
        const port = config.ports[s.name]!;
        const databaseUrl = await serviceDatabaseUrl(config, s.name);
        const child = spawnChild(
          s.name,
          s.entry,
          {
            ...base,
            PORT: String(port),
            KAFKA_BROKERS: brokers.join(','),
            IDENTITY_SECRET: secrets.identity,
            DATA_DIR: join(config.dataDir, s.name),
            ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
            ...(s.demo ? { DEMO_DATA: 'true' } : {}),
            // The local broker keeps a day (infra/kafka/server-config.ts): so do the topics the
            // services create on it.
            ...(config.kafkaBrokers?.length ? {} : { TOPIC_RETENTION_HOURS: '24' }),
          },
          logDir,
        );
        children.push(child);
        await waitReady(child, port);
        say(
          `${s.name.padEnd(13)} http://127.0.0.1:${port}/graphql (${databaseUrl ? 'PostgreSQL' : 'embedded PostgreSQL'}, log ${child.logFile})`,
        );
      }),
    );

    const gatewayPort = config.ports.gateway!;
    const gateway = spawnChild(
      'gateway',
      'gateway/src/main.ts',
      {
        ...base,
        PORT: String(gatewayPort),
        JWT_SECRET: secrets.jwt,
        IDENTITY_SECRET: secrets.identity,
        SUBGRAPH_URLS: LOCAL_SUBGRAPHS.map(
          (s) => `${s.name}=http://127.0.0.1:${config.ports[s.name]}/graphql`,
        ).join(','),
        // As deployed: subgraph answers kept, evicted by the change announcements on the broker.
        SUBGRAPH_CACHE: 'true',
        KAFKA_BROKERS: brokers.join(','),
      },
      logDir,
    );
    children.push(gateway);
    await waitReady(gateway, gatewayPort);
    for (const c of children) {
      void c.exited.then((code) => {
        if (!stopping) {
          say(`${c.name} exited with code ${code}; see ${c.logFile}`);
          void stopAll(1);
        }
      });
    }

    const token = await issueToken(
      { secret: secrets.jwt, ...DEV_JWT },
      { sub: 'dev-staff', roles: ['staff'] },
    );
    const url = `http://127.0.0.1:${gatewayPort}/graphql`;
    say(`${'gateway'.padEnd(13)} ${url}`);
    const origin = new URL(url).origin;
    say(`${'status page'.padEnd(13)} ${origin}/status`);
    say(`${'GraphiQL'.padEnd(13)} ${origin}/graphiql`);
    say('');
    say(
      'A staff token (12 h; `npm run token -- --role <role>` prints one for any role) and a first query:',
    );
    say('');
    say(`export TOKEN=${token}`);
    say(
      `curl -s ${url} -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \\\n` +
        `  -d '{"query":"{ residents(first: 5) { edges { node { id name household { address } } } } }"}'`,
    );
    say('');
    say('Ctrl-C stops every process.');
  } catch (err) {
    if (err instanceof KafkaPrerequisiteError || err instanceof ConfigError) {
      process.stderr.write(`\n${err.message}\n`);
    } else {
      process.stderr.write(`\nstart failed: ${(err as Error).message}\n`);
    }
    await stopAll(1);
  }
}

void main();
