import { connectionResolvers } from '@liyuan/kit';
import type { PointsEntry } from '../domain/model';
import type { PointsEntryConnectionResolvers } from './generated/resolvers-types';

/** A page of a member's points ledger; the total is counted only when asked for. */
export const PointsEntryConnection: PointsEntryConnectionResolvers = {
  ...connectionResolvers<PointsEntry>(),
};
