import { connectionResolvers } from '@liyuan/kit';
import type { VisitDue } from '../domain/model';
import type { VisitDueConnectionResolvers } from './generated/resolvers-types';

/** A page of households due a visit; the total is counted only when asked for. */
export const VisitDueConnection: VisitDueConnectionResolvers = {
  ...connectionResolvers<VisitDue>(),
};
