import DataLoader from 'dataloader';
import type { DataSource, EntityManager } from 'typeorm';
import {
  outboxPublisher,
  grouped,
  keyed,
  withSavepoint,
  type BaseRequestContext,
} from '@liyuan/kit';
import { TypeOrmFacilitiesStore } from '../data/facilities.repository';
import { Bookings } from '../domain/bookings';
import { Library } from '../domain/library';
import { Maintenance } from '../domain/maintenance';
import type {
  Book,
  Booking,
  Equipment,
  Facility,
  Inspection,
  Loan,
  RepairOrder,
} from '../domain/model';
import type { RunInTransaction, Tx } from '../domain/ports';

export const SERVICE_NAME = 'facilities';

/** Everything a facilities resolver needs for one request. */
export interface FacilitiesContext extends BaseRequestContext {
  bookings: Bookings;
  maintenance: Maintenance;
  library: Library;
  loaders: ReturnType<typeof createLoaders>;
}

/** The store bound to one transaction, its outbox writer (events carry `traceparent`) and savepoints. */
export function createTx(manager: EntityManager, traceparent: string): Tx {
  return {
    store: new TypeOrmFacilitiesStore(manager),
    publish: outboxPublisher(manager, SERVICE_NAME, traceparent),
    savepoint: (work) => withSavepoint(manager, work),
  };
}

const byId = <T extends { id: string }>(ids: readonly string[], rows: T[]) =>
  keyed(ids, rows, (r) => r.id);

/** Per-request batch loaders: one statement per kind of row, however many parents ask. */
function createLoaders(store: TypeOrmFacilitiesStore) {
  return {
    facility: new DataLoader<string, Facility | undefined>(async (ids) =>
      byId(ids, await store.facilitiesByIds(ids)),
    ),
    booking: new DataLoader<string, Booking | undefined>(async (ids) =>
      byId(ids, await store.bookingsByIds(ids)),
    ),
    equipment: new DataLoader<string, Equipment | undefined>(async (ids) =>
      byId(ids, await store.equipmentByIds(ids)),
    ),
    equipmentOfFacility: new DataLoader<string, Equipment[]>(async (ids) =>
      grouped(ids, await store.equipmentOfFacilities(ids), (e) => e.facilityId),
    ),
    inspectionsOf: new DataLoader<string, Inspection[]>(async (ids) =>
      grouped(ids, await store.inspectionsOf(ids), (i) => i.equipmentId),
    ),
    repairOrder: new DataLoader<string, RepairOrder | undefined>(async (ids) =>
      byId(ids, await store.repairOrdersByIds(ids)),
    ),
    repairOrdersOf: new DataLoader<string, RepairOrder[]>(async (ids) =>
      grouped(ids, await store.repairOrdersOf(ids), (o) => o.equipmentId ?? ''),
    ),
    book: new DataLoader<string, Book | undefined>(async (ids) =>
      byId(ids, await store.booksByIds(ids)),
    ),
    copiesOnLoan: new DataLoader<string, number>(async (ids) => {
      const counts = await store.copiesOnLoan(ids);
      return ids.map((id) => counts.get(id) ?? 0);
    }),
    bookingsOfResident: new DataLoader<string, Booking[]>(async (ids) =>
      grouped(ids, await store.bookingsOfResidents(ids), (b) => b.residentId ?? ''),
    ),
    loansOfResident: new DataLoader<string, Loan[]>(async (ids) =>
      grouped(ids, await store.loansOfResidents(ids), (l) => l.residentId),
    ),
  };
}

/** Builds the request context: the use cases bound to this request's trace, and the loaders. */
export function createContext(base: BaseRequestContext, dataSource: DataSource): FacilitiesContext {
  const transaction: RunInTransaction = (work) =>
    dataSource.transaction((manager) => work(createTx(manager, base.traceparent)));
  const store = new TypeOrmFacilitiesStore(dataSource.manager);
  return {
    ...base,
    bookings: new Bookings(store, transaction),
    maintenance: new Maintenance(store, transaction),
    library: new Library(store, transaction),
    loaders: createLoaders(store),
  };
}
