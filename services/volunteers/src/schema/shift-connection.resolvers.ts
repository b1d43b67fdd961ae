import { connectionResolvers } from '@liyuan/kit';
import type { Shift } from '../domain/model';
import type { ShiftConnectionResolvers } from './generated/resolvers-types';

/** A page of shifts; the total is counted only when asked for. */
export const ShiftConnection: ShiftConnectionResolvers = {
  ...connectionResolvers<Shift>(),
};
