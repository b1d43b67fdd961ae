import DataLoader from 'dataloader';
import { byId, grouped, keyed, nestedPages } from '@liyuan/kit';
import { KEYSETS } from '../domain/keysets';
import type { Hours, Opportunity, Shift, Team, Volunteer } from '../domain/model';
import type { VolunteersStore } from '../domain/ports';

/**
 * Per-request batch loaders: a page of residents costs one statement per kind of row. A list
 * nested under its parents is read a page at a time: one statement for the pages of every parent
 * asking with the same arguments, one more for their counts when `totalCount` is selected.
 */
export function createLoaders(store: VolunteersStore) {
  const now = new Date();
  return {
    team: new DataLoader<string, Team | undefined>(async (ids) =>
      byId(ids, await store.teamsByIds(ids)),
    ),
    volunteerOfResident: new DataLoader<string, Volunteer | undefined>(async (ids) =>
      keyed(ids, await store.volunteersOfResidents(ids), (v) => v.residentId),
    ),
    teamsOf: new DataLoader<string, Team[]>(async (ids) =>
      grouped(ids, await store.teamsOfVolunteers(ids), (r) => r.volunteerId).map((rows) =>
        rows.map((r) => r.team),
      ),
    ),
    hours: new DataLoader<string, Hours>(async (ids) => {
      const hours = await store.hoursOf(ids);
      return ids.map((id) => hours.get(id) ?? { approved: 0, pending: 0 });
    }),
    recordsOf: nestedPages(KEYSETS.serviceRecord, {
      read: (ids, range) => store.recordsOfVolunteers(ids, range),
      count: (ids) => store.countRecordsOfVolunteers(ids),
    }),
    opportunity: new DataLoader<string, Opportunity | undefined>(async (ids) =>
      byId(ids, await store.opportunitiesByIds(ids)),
    ),
    shift: new DataLoader<string, Shift | undefined>(async (ids) =>
      byId(ids, await store.shiftsByIds(ids)),
    ),
    shiftsOf: new DataLoader<string, Shift[]>(async (ids) =>
      grouped(ids, await store.shiftsOfOpportunities(ids), (s) => s.opportunityId),
    ),
    taken: new DataLoader<string, number>(async (ids) => {
      const n = await store.takenOfShifts(ids);
      return ids.map((id) => n.get(id) ?? 0);
    }),
    upcomingShiftsOf: nestedPages(KEYSETS.shift, {
      read: (ids, range) => store.upcomingShiftsOf(ids, now, range),
      count: (ids) => store.countUpcomingShiftsOf(ids, now),
    }),
    balance: new DataLoader<string, number>(async (ids) => {
      const b = await store.balances(ids);
      return ids.map((id) => b.get(id) ?? 0);
    }),
  };
}

export type VolunteersLoaders = ReturnType<typeof createLoaders>;
