import type { DataSource, EntityManager } from 'typeorm';
import { outboxPublisher } from '@liyuan/kit';
import { TypeOrmVolunteersStore } from './data/volunteers.repository';
import type { RunInTransaction, Tx, VolunteersStore } from './domain/ports';
import { Volunteering } from './domain/volunteering';

/**
 * The composition root: the one place that binds the domain's ports to the data layer, for the
 * GraphQL layer (per request) and the event handlers (per consumed event) alike.
 */

export const SERVICE_NAME = 'volunteers';

/** The store bound to one transaction and its outbox writer (events carry `traceparent`). */
export function createTx(manager: EntityManager, traceparent: string): Tx {
  return {
    store: new TypeOrmVolunteersStore(manager),
    publish: outboxPublisher(manager, SERVICE_NAME, traceparent),
  };
}

/** The use cases of one request, and the store its batch loaders go through. */
export interface VolunteersApp {
  volunteering: Volunteering;
  store: VolunteersStore;
}

/** Binds the use cases to `dataSource`, their events carrying `traceparent`. */
export function createApp(dataSource: DataSource, traceparent: string): VolunteersApp {
  const transaction: RunInTransaction = (work) =>
    dataSource.transaction((manager) => work(createTx(manager, traceparent)));
  const store = new TypeOrmVolunteersStore(dataSource.manager);
  return { volunteering: new Volunteering(store, transaction), store };
}
