import { connectionResolvers } from '@liyuan/kit';
import type { Visit } from '../domain/model';
import type { VisitConnectionResolvers } from './generated/resolvers-types';

/** A page of visits; the total is counted only when asked for. */
export const VisitConnection: VisitConnectionResolvers = {
  ...connectionResolvers<Visit>(),
};
