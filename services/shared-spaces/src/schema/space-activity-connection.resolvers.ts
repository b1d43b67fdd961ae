import { connectionResolvers } from '@liyuan/kit';
import type { Activity } from '../domain/model';
import type { SpaceActivityConnectionResolvers } from './generated/resolvers-types';

/** A page of activities; the total is counted only when asked for. */
export const SpaceActivityConnection: SpaceActivityConnectionResolvers = {
  ...connectionResolvers<Activity>(),
};
