import { connectionResolvers } from '@liyuan/kit';
import type { Inspection } from '../domain/model';
import type { InspectionConnectionResolvers } from './generated/resolvers-types';

/** A page of inspections; the total is counted only when asked for. */
export const InspectionConnection: InspectionConnectionResolvers = {
  ...connectionResolvers<Inspection>(),
};
