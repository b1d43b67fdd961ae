// Where the broker's files are: the jars and log4j2 configuration beside this module, and the
// layout of a data directory (see broker.ts).
import * as path from 'node:path';

const KAFKA_INFRA_DIR = __dirname;

export const POM_PATH = path.join(KAFKA_INFRA_DIR, 'pom.xml');

export const LIB_DIR = path.join(KAFKA_INFRA_DIR, 'lib');

const LOG4J_CONFIG_PATH = path.join(KAFKA_INFRA_DIR, 'log4j2.properties');

export const HOST = '127.0.0.1';

export interface DataPaths {
  dataDir: string;
  serverProperties: string;
  clusterIdFile: string;
  pidFile: string;
  kraftDir: string;
  logsDir: string;
  serverLog: string;
  defaultStdoutLog: string;
}

export function dataPaths(dataDir: string): DataPaths {
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

export function log4jArgs(paths: DataPaths): string[] {
  return [`-Dlog4j2.configurationFile=${LOG4J_CONFIG_PATH}`, `-Dkafka.logs.dir=${paths.logsDir}`];
}
