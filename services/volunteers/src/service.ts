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
import { VOLUNTEERS_TOPICS } from '@liyuan/schemas';
import type { Config } from './config';
import { seedVolunteersDemo } from './data/demo-seed';
import { Volunteers1764700000000 } from './data/migrations/1764700000000-volunteers';
import { Shifts1764900000000 } from './data/migrations/1764900000000-shifts';
import { KnownResidents1765000000000 } from './data/migrations/1765000000000-known-residents';
import { KnownFacilities1765100000000 } from './data/migrations/1765100000000-known-facilities';
import { volunteersConsumers } from './events/handlers';
import { SERVICE_NAME } from './app';
import { createContext, type VolunteersContext } from './schema/context';
import { resolvers } from './schema';

/** The published contract of this subgraph. */
export const TYPE_DEFS_PATH = resolve(__dirname, '../../../schemas/volunteers.graphql');

/** The volunteers subgraph as the kit runs it. */
export const volunteersService: ServiceDefinition<VolunteersContext> = {
  name: SERVICE_NAME,
  typeDefs: parse(readFileSync(TYPE_DEFS_PATH, 'utf8')),
  resolvers,
  entities: [],
  migrations: [
    KitTables1764200000000,
    Volunteers1764700000000,
    Shifts1764900000000,
    KnownResidents1765000000000,
    KnownFacilities1765100000000,
    KitPruneIndexes1765300000000,
  ],
  publishes: Object.values(VOLUNTEERS_TOPICS),
  consumers: volunteersConsumers,
  createContext,
  seedDemo: seedVolunteersDemo,
  relayLockKey: 7_100_004,
};

/** Starts the volunteers subgraph with `config`, loading its demo data when DEMO_DATA=true. */
export function startVolunteers(config: Config, options?: StartOptions): Promise<RunningService> {
  return startService(volunteersService, config, options);
}
