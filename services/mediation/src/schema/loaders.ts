import DataLoader from 'dataloader';
import { byId, grouped } from '@liyuan/kit';
import type { Agreement, DisputeCase, FollowUp, Mediator, Party, Session } from '../domain/model';
import type { MediationStore } from '../domain/ports';

/** Per-request batch loaders: one statement per kind of row, however many cases are shown. */
export function createLoaders(store: MediationStore) {
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
    casesOfResident: new DataLoader<string, string[]>(async (ids) =>
      grouped(ids, await store.casesOfResidents(ids), (r) => r.residentId).map((rows) =>
        rows.map((r) => r.caseId),
      ),
    ),
  };
}

export type MediationLoaders = ReturnType<typeof createLoaders>;
