import type { DataSource, EntityManager } from 'typeorm';
import { outboxPublisher, withSavepoint } from '@liyuan/kit';
import { TypeOrmFacilitiesStore } from './data/facilities.repository';
import { Bookings } from './domain/bookings';
import { Library } from './domain/library';
import { Maintenance } from './domain/maintenance';
import type { FacilitiesStore, RunInTransaction, Tx } from './domain/ports';

/**
 * The composition root: the one place that binds the domain's ports to the data layer, for the
 * GraphQL layer (per request) and the event handlers (per consumed event) alike.
 */

export const SERVICE_NAME = 'facilities';

/** The store bound to one transaction, its outbox writer (events carry `traceparent`) and savepoints. */
export function createTx(manager: EntityManager, traceparent: string): Tx {
  return {
    store: new TypeOrmFacilitiesStore(manager),
    publish: outboxPublisher(manager, SERVICE_NAME, traceparent),
    savepoint: (work) => withSavepoint(manager, work),
  };
}

/** The use cases of one request, and the store its reads (and batch loaders) go through. */
export interface FacilitiesApp {
  bookings: Bookings;
  maintenance: Maintenance;
  library: Library;
  store: FacilitiesStore;
}

/** Binds the use cases to `dataSource`, their events carrying `traceparent`. */
export function createApp(dataSource: DataSource, traceparent: string): FacilitiesApp {
  const transaction: RunInTransaction = (work) =>
    dataSource.transaction((manager) => work(createTx(manager, traceparent)));
  const store = new TypeOrmFacilitiesStore(dataSource.manager);
  return {
    bookings: new Bookings(store, transaction),
    maintenance: new Maintenance(store, transaction),
    library: new Library(store, transaction),
    store,
  };
}
