import type { Party } from '../domain/model';

export const CaseParty = {
  resident: (p: Party) => ({ id: p.residentId }),
};
