import { connectionResolvers } from '@liyuan/kit';
import type { ScheduledVisit } from '../domain/model';
import type { ScheduledVisitConnectionResolvers } from './generated/resolvers-types';

/** A page of scheduled visits; the total is counted only when asked for. */
export const ScheduledVisitConnection: ScheduledVisitConnectionResolvers = {
  ...connectionResolvers<ScheduledVisit>(),
};
