// The KRaft storage of a data directory: its cluster id and the one-time format.
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { describeExit, LOG_TAIL_BYTES, runProcess, tailText } from './command';
import { KafkaBrokerError } from './errors';
import { log4jArgs, type DataPaths } from './paths';

const FORMAT_TIMEOUT_MS = 60_000;

/** The formatter is a short-lived CLI: favour JVM start-up time over throughput. */
const FORMAT_JVM_ARGS: readonly string[] = [
  '-Xmx256m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
];

/**
 * The cluster id recorded by a previous format wins (meta.properties is what Kafka checks);
 * otherwise reuse cluster.id, otherwise mint one.
 */
export async function loadOrCreateClusterId(paths: DataPaths): Promise<string> {
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
 * The one cluster id of a cluster's nodes: the one their formatted storage records (they must agree),
 * else the cluster directory's cluster.id, else a new one (written there).
 */
export async function loadOrCreateSharedClusterId(
  cluster: DataPaths,
  nodes: readonly DataPaths[],
): Promise<string> {
  const recorded = new Set<string>();
  for (const node of nodes) {
    const id = await readMetaProperty(node, 'cluster.id');
    if (id) recorded.add(id);
  }
  if (recorded.size > 1) {
    throw new KafkaBrokerError(
      `The nodes in ${cluster.dataDir} were formatted for different clusters (${[...recorded].join(', ')}); delete the directory to start afresh.`,
    );
  }
  const [fromMeta] = recorded;
  if (fromMeta) {
    await fsp.writeFile(cluster.clusterIdFile, `${fromMeta}\n`);
    return fromMeta;
  }
  return loadOrCreateClusterId(cluster);
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
export async function formatStorageIfNeeded(
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
