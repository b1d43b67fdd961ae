import type { LeaderboardEntryResolvers } from './generated/resolvers-types';

/** A resident's approved hours in the period asked for. */
export const LeaderboardEntry: LeaderboardEntryResolvers = {
  resident: (e) => ({ id: e.residentId }),
};
