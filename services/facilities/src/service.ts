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
import { FACILITIES_TOPICS } from '@liyuan/schemas';
import type { Config } from './config';
import { seedFacilitiesDemo } from './data/demo-seed';
import { Facilities1764400000000 } from './data/migrations/1764400000000-facilities';
import { KnownReferences1765100000000 } from './data/migrations/1765100000000-known-references';
import { facilitiesConsumers } from './events/handlers';
import { SERVICE_NAME } from './app';
import { createContext, type FacilitiesContext } from './schema/context';
import { resolvers } from './schema';

/** The published contract of this subgraph. */
export const TYPE_DEFS_PATH = resolve(__dirname, '../../../schemas/facilities.graphql');

/** The facilities subgraph as the kit runs it. */
export const facilitiesService: ServiceDefinition<FacilitiesContext> = {
  name: SERVICE_NAME,
  typeDefs: parse(readFileSync(TYPE_DEFS_PATH, 'utf8')),
  resolvers,
  entities: [],
  migrations: [
    KitTables1764200000000,
    Facilities1764400000000,
    KnownReferences1765100000000,
    KitPruneIndexes1765300000000,
  ],
  publishes: Object.values(FACILITIES_TOPICS),
  consumers: facilitiesConsumers,
  createContext,
  seedDemo: seedFacilitiesDemo,
  relayLockKey: 7_100_002,
};

/** Starts the facilities subgraph with `config`, loading its demo data when DEMO_DATA=true. */
export function startFacilities(config: Config, options?: StartOptions): Promise<RunningService> {
  return startService(facilitiesService, config, options);
}
