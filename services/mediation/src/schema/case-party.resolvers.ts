import type { CasePartyResolvers } from './generated/resolvers-types';

export const CaseParty: CasePartyResolvers = {
  resident: (p) => ({ id: p.residentId }),
};
