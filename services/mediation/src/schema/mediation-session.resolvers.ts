import type { MediationSessionResolvers } from './generated/resolvers-types';

export const MediationSession: MediationSessionResolvers = {
  attendees: (s) => s.attendees.map((id) => ({ id })),
};
