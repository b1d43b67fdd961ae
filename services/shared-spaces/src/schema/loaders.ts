import DataLoader from 'dataloader';
import { byId, grouped } from '@liyuan/kit';
import type { Activity, Branch, Member, PointsEntry, Space } from '../domain/model';
import type { SpacesStore } from '../domain/ports';

/** Per-request batch loaders: one statement per kind of row, however many parents ask. */
export function createLoaders(store: SpacesStore) {
  const now = new Date();
  return {
    branch: new DataLoader<string, Branch | undefined>(async (ids) =>
      byId(ids, await store.branchesByIds(ids)),
    ),
    member: new DataLoader<string, Member | undefined>(async (ids) =>
      byId(ids, await store.membersByIds(ids)),
    ),
    memberOfResident: new DataLoader<string, Member | undefined>(async (ids) =>
      grouped(ids, await store.membersOfResidents(ids), (m) => m.residentId).map((r) => r[0]),
    ),
    membersOfBranch: new DataLoader<string, Member[]>(async (ids) =>
      grouped(ids, await store.membersOfBranches(ids), (m) => m.branchId),
    ),
    ledger: new DataLoader<string, PointsEntry[]>(async (ids) =>
      grouped(ids, await store.ledgerOf(ids), (e) => e.memberId),
    ),
    space: new DataLoader<string, Space | undefined>(async (ids) =>
      byId(ids, await store.spacesByIds(ids)),
    ),
    spacesOfFacility: new DataLoader<string, Space[]>(async (ids) =>
      grouped(ids, await store.spacesOfFacilities(ids), (s) => s.facilityId),
    ),
    activity: new DataLoader<string, Activity | undefined>(async (ids) =>
      byId(ids, await store.activitiesByIds(ids)),
    ),
    activitiesOfSpace: new DataLoader<string, Activity[]>(async (ids) =>
      grouped(ids, await store.activitiesOfSpaces(ids), (a) => a.spaceId),
    ),
    upcomingAtFacility: new DataLoader<string, Activity[]>(async (ids) =>
      grouped(ids, await store.upcoming(now, { facilityIds: ids }), (a) => a.facilityId),
    ),
    registeredCount: new DataLoader<string, number>(async (ids) => {
      const counts = await store.registeredCounts(ids);
      return ids.map((id) => counts.get(id) ?? 0);
    }),
    attendedBy: new DataLoader<string, Activity[]>(async (ids) =>
      grouped(ids, await store.attendedBy(ids), (r) => r.residentId).map((rows) =>
        rows.map((r) => r.activity),
      ),
    ),
  };
}

export type SpacesLoaders = ReturnType<typeof createLoaders>;
