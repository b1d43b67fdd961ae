import { connectionResolvers } from '@liyuan/kit';
import type { RepairOrder } from '../domain/model';
import type { RepairOrderConnectionResolvers } from './generated/resolvers-types';

/** A page of open repair orders; the total is counted only when asked for. */
export const RepairOrderConnection: RepairOrderConnectionResolvers = {
  ...connectionResolvers<RepairOrder>(),
};
