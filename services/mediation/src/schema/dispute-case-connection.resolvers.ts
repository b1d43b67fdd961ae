import { connectionResolvers } from '@liyuan/kit';
import type { DisputeCase } from '../domain/model';
import type { DisputeCaseConnectionResolvers } from './generated/resolvers-types';

/** A page of cases; the total is counted only when asked for. */
export const DisputeCaseConnection: DisputeCaseConnectionResolvers = {
  ...connectionResolvers<DisputeCase>(),
};
