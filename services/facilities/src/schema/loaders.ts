import DataLoader from 'dataloader';
import { byId, grouped } from '@liyuan/kit';
import type {
  Book,
  Booking,
  Equipment,
  Facility,
  Inspection,
  Loan,
  RepairOrder,
} from '../domain/model';
import type { FacilitiesStore } from '../domain/ports';

/** Per-request batch loaders: one statement per kind of row, however many parents ask. */
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

export type FacilitiesLoaders = ReturnType<typeof createLoaders>;
