import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'graphql';
import {
  KitPruneIndexes1765300000000,
  KitTables1764200000000,
  startService,
  type Clock,
  type RunningService,
  type ServiceDefinition,
  type StartOptions,
} from '@liyuan/kit';
import { RESIDENTS_TOPICS } from '@liyuan/schemas';
import type { Config } from './config';
import { seedDemoData } from './data/demo-seed';
import { Registry1764200000100 } from './data/migrations/1764200000100-registry';
import { VisitsAndRequests1764300000000 } from './data/migrations/1764300000000-visits-requests';
import { VisitDueNotices1765400000000 } from './data/migrations/1765400000000-visit-due-notices';
import { residentsConsumers } from './events/handlers';
import { VisitsDueWatch } from './events/visits-due-watch';
import { SERVICE_NAME } from './app';
import { createContext, type ResidentsContext } from './schema/context';
import { resolvers } from './schema';

/** The published contract of this subgraph. */
export const TYPE_DEFS_PATH = resolve(__dirname, '../../../schemas/residents.graphql');

/** The residents subgraph as the kit runs it. */
export const residentsService: ServiceDefinition<ResidentsContext> = {
  name: SERVICE_NAME,
  typeDefs: parse(readFileSync(TYPE_DEFS_PATH, 'utf8')),
  resolvers,
  entities: [],
  migrations: [
    KitTables1764200000000,
    Registry1764200000100,
    VisitsAndRequests1764300000000,
    KitPruneIndexes1765300000000,
    VisitDueNotices1765400000000,
  ],
  consumers: residentsConsumers,
  publishes: Object.values(RESIDENTS_TOPICS),
  createContext,
  seedDemo: seedDemoData,
  relayLockKey: 7_100_001,
};

/** Households announced per transaction by the visits-due watch at most. */
const VISITS_DUE_BATCH = 500;

export interface ResidentsStartOptions extends StartOptions {
  /** The visits-due watch's clock (tests move it forward). */
  visitsDueClock?: Clock;
}

/** The residents subgraph running, with its visits-due watch. */
export interface RunningResidents extends RunningService {
  visitsDue: VisitsDueWatch;
}

/**
 * Starts the residents subgraph with `config`, loading its demo data when DEMO_DATA=true, and its
 * visits-due watch (stopped before the rest).
 */
export async function startResidents(
  config: Config,
  options: ResidentsStartOptions = {},
): Promise<RunningResidents> {
  const running = await startService(residentsService, config, options);
  const visitsDue = new VisitsDueWatch({
    dataSource: running.db.dataSource,
    logger: running.logger.child({ component: 'visits-due' }),
    intervalMs: config.visitsDue.tickMs,
    batchSize: VISITS_DUE_BATCH,
    lockKey: residentsService.relayLockKey,
    clock: options.visitsDueClock,
  });
  visitsDue.start();
  return {
    ...running,
    visitsDue,
    stop: async () => {
      await visitsDue.stop();
      await running.stop();
    },
  };
}
