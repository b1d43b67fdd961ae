import { connectionResolvers } from '@liyuan/kit';
import type { LeaderboardEntry } from '../domain/model';
import type { LeaderboardEntryConnectionResolvers } from './generated/resolvers-types';

/** A page of the leaderboard; the total is counted only when asked for. */
export const LeaderboardEntryConnection: LeaderboardEntryConnectionResolvers = {
  ...connectionResolvers<LeaderboardEntry>(),
};
