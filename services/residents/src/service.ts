import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'graphql';
import {
  KitPruneIndexes1765300000000,
  KitTables1764200000000,
  startService,
  type RunningService,
  type ServiceDefinition,
  type StartOptions,
} from '@liyuan/kit';
import { RESIDENTS_TOPICS } from '@liyuan/schemas';
import type { Config } from './config';
import { seedDemoData } from './data/demo-seed';
import { Registry1764200000100 } from './data/migrations/1764200000100-registry';
import { VisitsAndRequests1764300000000 } from './data/migrations/1764300000000-visits-requests';
import { residentsConsumers } from './events/handlers';
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
  ],
  consumers: residentsConsumers,
  publishes: Object.values(RESIDENTS_TOPICS),
  createContext,
  seedDemo: seedDemoData,
  relayLockKey: 7_100_001,
};

/** Starts the residents subgraph with `config`, loading its demo data when DEMO_DATA=true. */
export function startResidents(config: Config, options?: StartOptions): Promise<RunningService> {
  return startService(residentsService, config, options);
}
