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
import { SHARED_SPACES_TOPICS } from '@liyuan/schemas';
import type { Config } from './config';
import { seedSharedSpacesDemo } from './data/demo-seed';
import { SharedSpaces1764600000000 } from './data/migrations/1764600000000-shared-spaces';
import { KnownReferences1765100000000 } from './data/migrations/1765100000000-known-references';
import { ListingIndexes1765200000000 } from './data/migrations/1765200000000-listing-indexes';
import { sharedSpacesConsumers } from './events/handlers';
import { SERVICE_NAME } from './app';
import { createContext, type SpacesContext } from './schema/context';
import { resolvers } from './schema';

/** The published contract of this subgraph. */
export const TYPE_DEFS_PATH = resolve(__dirname, '../../../schemas/shared-spaces.graphql');

/** The shared-spaces subgraph as the kit runs it. */
export const sharedSpacesService: ServiceDefinition<SpacesContext> = {
  name: SERVICE_NAME,
  typeDefs: parse(readFileSync(TYPE_DEFS_PATH, 'utf8')),
  resolvers,
  entities: [],
  migrations: [
    KitTables1764200000000,
    SharedSpaces1764600000000,
    KnownReferences1765100000000,
    ListingIndexes1765200000000,
    KitPruneIndexes1765300000000,
  ],
  publishes: Object.values(SHARED_SPACES_TOPICS),
  consumers: sharedSpacesConsumers,
  createContext,
  seedDemo: seedSharedSpacesDemo,
  relayLockKey: 7_100_003,
};

/** Starts the shared-spaces subgraph with `config`, loading its demo data when DEMO_DATA=true. */
export function startSharedSpaces(config: Config, options?: StartOptions): Promise<RunningService> {
  return startService(sharedSpacesService, config, options);
}
