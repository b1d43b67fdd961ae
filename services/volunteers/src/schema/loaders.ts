import DataLoader from 'dataloader';
import { byId, grouped, keyed } from '@liyuan/kit';
import type { Opportunity, ServiceRecord, Shift, Team, Volunteer } from '../domain/model';
import type { VolunteersStore } from '../domain/ports';

/** Per-request batch loaders: a page of residents costs one statement per kind of row. */
export function createLoaders(store: VolunteersStore) {
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
    recordsOf: new DataLoader<string, ServiceRecord[]>(async (ids) =>
      grouped(ids, await store.recordsOfVolunteers(ids), (r) => r.volunteerId),
    ),
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
    upcomingShiftsOf: new DataLoader<string, Shift[]>(async (ids) =>
      grouped(ids, await store.upcomingShiftsOf(ids, new Date()), (r) => r.volunteerId).map(
        (rows) => rows.map((r) => r.shift),
      ),
    ),
    balance: new DataLoader<string, number>(async (ids) => {
      const b = await store.balances(ids);
      return ids.map((id) => b.get(id) ?? 0);
    }),
  };
}

export type VolunteersLoaders = ReturnType<typeof createLoaders>;
