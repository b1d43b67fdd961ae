import DataLoader from 'dataloader';
import { byId, grouped, nestedPages, uuid, type Caller } from '@liyuan/kit';
import { visibleCases } from '../domain/cases';
import { KEYSETS } from '../domain/keysets';
import type { Agreement, DisputeCase, FollowUp, Mediator, Party, Session } from '../domain/model';
import type { MediationStore } from '../domain/ports';

/**
 * Per-request batch loaders: one statement per kind of row, however many cases are shown; the
 * cases of many residents are one statement per page asked for (and one count when asked).
 */
export function createLoaders(store: MediationStore, caller: Caller) {
  // Only the cases the caller may see are read (and counted): a page is never short of them.
  const visible = visibleCases(caller);
  /** Resident ids that can have cases (an id that is not a UUID names no resident). */
  const residents = (ids: readonly string[]) => ids.filter((id) => uuid.safeParse(id).success);
  return {
    case: new DataLoader<string, DisputeCase | undefined>(async (ids) =>
      byId(ids, await store.casesByIds(ids)),
    ),
    parties: new DataLoader<string, Party[]>(async (ids) =>
      grouped(ids, await store.partiesOf(ids), (p) => p.caseId),
    ),
    mediators: new DataLoader<string, Mediator[]>(async (ids) =>
      grouped(ids, await store.mediatorsOf(ids), (m) => m.caseId).map((rows) =>
        rows.map((r) => r.mediator),
      ),
    ),
    sessions: new DataLoader<string, Session[]>(async (ids) =>
      grouped(ids, await store.sessionsOf(ids), (s) => s.caseId),
    ),
    agreement: new DataLoader<string, Agreement | undefined>(async (ids) =>
      grouped(ids, await store.agreementsOf(ids), (a) => a.caseId).map((rows) => rows[0]),
    ),
    followUps: new DataLoader<string, FollowUp[]>(async (ids) =>
      grouped(ids, await store.followUpsOf(ids), (f) => f.caseId),
    ),
    /** A page of each resident's cases the caller may see, newest first (Resident.mediationCases). */
    casesOfResident: nestedPages(KEYSETS.case, {
      read: async (residentIds, range) =>
        visible ? store.casesOfResidents(residents(residentIds), visible, range) : [],
      count: async (residentIds) =>
        visible ? store.countCasesOfResidents(residents(residentIds), visible) : new Map(),
    }),
  };
}

export type MediationLoaders = ReturnType<typeof createLoaders>;
