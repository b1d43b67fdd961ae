import DataLoader from 'dataloader';
import { byId, grouped, nestedPages } from '@liyuan/kit';
import { KEYSETS } from '../domain/keysets';
import type { Book, Booking, Equipment, Facility, RepairOrder } from '../domain/model';
import type { FacilitiesStore } from '../domain/ports';

/**
 * Per-request batch loaders: one statement per kind of row, however many parents ask. A connection
 * nested under many parents (a page of each resident's bookings) is one statement for every parent
 * asking with the same `first` and `after`, and its `totalCount` one more, only when asked for.
 */
export function createLoaders(store: FacilitiesStore) {
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
    /** A page of each device's inspections, newest first. */
    inspectionsOf: nestedPages(KEYSETS.inspection, {
      read: (ids, range) => store.inspectionsOf(ids, range),
      count: (ids) => store.countInspectionsOf(ids),
    }),
    repairOrder: new DataLoader<string, RepairOrder | undefined>(async (ids) =>
      byId(ids, await store.repairOrdersByIds(ids)),
    ),
    /** A page of each device's repair orders, newest first. */
    repairOrdersOf: nestedPages(KEYSETS.repairOrder, {
      read: (ids, range) => store.repairOrdersOf(ids, range),
      count: (ids) => store.countRepairOrdersOf(ids),
    }),
    book: new DataLoader<string, Book | undefined>(async (ids) =>
      byId(ids, await store.booksByIds(ids)),
    ),
    copiesOnLoan: new DataLoader<string, number>(async (ids) => {
      const counts = await store.copiesOnLoan(ids);
      return ids.map((id) => counts.get(id) ?? 0);
    }),
    /** A page of each resident's bookings, newest first. */
    bookingsOfResident: nestedPages(KEYSETS.booking, {
      read: (ids, range) => store.bookingsOfResidents(ids, range),
      count: (ids) => store.countBookingsOfResidents(ids),
    }),
    /** A page of each resident's loans, newest first. */
    loansOfResident: nestedPages(KEYSETS.loanBorrowed, {
      read: (ids, range) => store.loansOfResidents(ids, range),
      count: (ids) => store.countLoansOfResidents(ids),
    }),
  };
}

export type FacilitiesLoaders = ReturnType<typeof createLoaders>;
