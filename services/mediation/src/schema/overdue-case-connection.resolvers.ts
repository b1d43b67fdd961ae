import { connectionResolvers } from '@liyuan/kit';
import type { OverdueCase } from '../domain/model';
import type { OverdueCaseConnectionResolvers } from './generated/resolvers-types';

/** A page of overdue cases; the total is counted only when asked for. */
export const OverdueCaseConnection: OverdueCaseConnectionResolvers = {
  ...connectionResolvers<OverdueCase>(),
};
