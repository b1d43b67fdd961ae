import { connectionResolvers } from '@liyuan/kit';
import type { ResidentInGrid } from '../domain/model';
import type { ResidentConnectionResolvers } from './generated/resolvers-types';

/** A page of residents; the total is counted only when asked for. */
export const ResidentConnection: ResidentConnectionResolvers = {
  ...connectionResolvers<ResidentInGrid>(),
};
