import type { PointsEntryResolvers } from './generated/resolvers-types';

export const PointsEntry: PointsEntryResolvers = {
  reason: (e) => e.reason.toUpperCase(),
};
