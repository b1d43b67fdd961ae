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
import { MEDIATION_TOPICS } from '@liyuan/schemas';
import type { Config } from './config';
import { seedMediationDemo } from './data/demo-seed';
import { Mediation1764500000000 } from './data/migrations/1764500000000-mediation';
import { KnownResidents1765100000000 } from './data/migrations/1765100000000-known-residents';
import { CasePartyIds1765200000000 } from './data/migrations/1765200000000-case-party-ids';
import { mediationConsumers } from './events/handlers';
import { SERVICE_NAME } from './app';
import { createContext, type MediationContext } from './schema/context';
import { resolvers } from './schema';

/** The published contract of this subgraph. */
export const TYPE_DEFS_PATH = resolve(__dirname, '../../../schemas/mediation.graphql');

/** The mediation subgraph as the kit runs it. */
export const mediationService: ServiceDefinition<MediationContext> = {
  name: SERVICE_NAME,
  typeDefs: parse(readFileSync(TYPE_DEFS_PATH, 'utf8')),
  resolvers,
  entities: [],
  migrations: [
    KitTables1764200000000,
    Mediation1764500000000,
    KnownResidents1765100000000,
    CasePartyIds1765200000000,
    KitPruneIndexes1765300000000,
  ],
  publishes: Object.values(MEDIATION_TOPICS),
  consumers: mediationConsumers,
  createContext,
  seedDemo: seedMediationDemo,
  relayLockKey: 7_100_005,
};

/** Starts the mediation subgraph with `config`, loading its demo data when DEMO_DATA=true. */
export function startMediation(config: Config, options?: StartOptions): Promise<RunningService> {
  return startService(mediationService, config, options);
}
