import DataLoader from 'dataloader';
import { byId, grouped, nestedPages, type Caller } from '@liyuan/kit';
import { KEYSETS } from '../domain/keysets';
import type { Activity, Branch, Member, Space } from '../domain/model';
import type { SpacesStore } from '../domain/ports';
import { rosterResidents } from '../domain/spaces';

/**
 * Per-request batch loaders: one statement per kind of row, however many parents ask. A list
 * nested under its parents is read a page at a time: one statement for the pages of every parent
 * asking with the same arguments, one more for their counts when `totalCount` is selected.
 */
export function createLoaders(store: SpacesStore, caller: Caller) {
  const now = new Date();
  // The roster rows this caller may see (every member, or only their own membership).
  const roster = rosterResidents(caller);
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
    membersOfBranch: nestedPages(KEYSETS.member, {
      read: (ids, range) => store.membersOfBranches(ids, range, roster),
      count: (ids) => store.countMembersOfBranches(ids, roster),
    }),
    points: new DataLoader<string, number>(async (ids) => {
      const points = await store.pointsOf(ids);
      return ids.map((id) => points.get(id) ?? 0);
    }),
    ledger: nestedPages(KEYSETS.ledger, {
      read: (ids, range) => store.ledgerOf(ids, range),
      count: (ids) => store.countLedgers(ids),
    }),
    space: new DataLoader<string, Space | undefined>(async (ids) =>
      byId(ids, await store.spacesByIds(ids)),
    ),
    spacesOfFacility: new DataLoader<string, Space[]>(async (ids) =>
      grouped(ids, await store.spacesOfFacilities(ids), (s) => s.facilityId),
    ),
    activity: new DataLoader<string, Activity | undefined>(async (ids) =>
      byId(ids, await store.activitiesByIds(ids)),
    ),
    activitiesOfSpace: nestedPages(KEYSETS.activity, {
      read: (ids, range) => store.activitiesOfSpaces(ids, range),
      count: (ids) => store.countActivitiesOfSpaces(ids),
    }),
    upcomingAtFacility: nestedPages(KEYSETS.activity, {
      read: (ids, range) => store.upcomingAtFacilities(ids, now, range),
      count: (ids) => store.countUpcomingAtFacilities(ids, now),
    }),
    registeredCount: new DataLoader<string, number>(async (ids) => {
      const counts = await store.registeredCounts(ids);
      return ids.map((id) => counts.get(id) ?? 0);
    }),
    attendedBy: nestedPages(KEYSETS.activity, {
      read: (ids, range) => store.attendedBy(ids, range),
      count: (ids) => store.countAttendedBy(ids),
    }),
  };
}

export type SpacesLoaders = ReturnType<typeof createLoaders>;
