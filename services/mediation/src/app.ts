import type { DataSource, EntityManager } from 'typeorm';
import { outboxPublisher } from '@liyuan/kit';
import { TypeOrmMediationStore } from './data/mediation.repository';
import { Cases } from './domain/cases';
import type { MediationStore, RunInTransaction, Tx } from './domain/ports';

/**
 * The composition root: the one place that binds the domain's ports to the data layer, for the
 * GraphQL layer (per request) and the event handlers (per consumed event) alike.
 */

export const SERVICE_NAME = 'mediation';

/** The store bound to one transaction and its outbox writer (events carry `traceparent`). */
export function createTx(manager: EntityManager, traceparent: string): Tx {
  return {
    store: new TypeOrmMediationStore(manager),
    publish: outboxPublisher(manager, SERVICE_NAME, traceparent),
  };
}

/** The use cases of one request, and the store its reads (and batch loaders) go through. */
export interface MediationApp {
  cases: Cases;
  store: MediationStore;
}

/** Binds the use cases to `dataSource`, their events carrying `traceparent`. */
export function createApp(dataSource: DataSource, traceparent: string): MediationApp {
  const transaction: RunInTransaction = (work) =>
    dataSource.transaction((manager) => work(createTx(manager, traceparent)));
  const store = new TypeOrmMediationStore(dataSource.manager);
  return { cases: new Cases(store, transaction), store };
}
