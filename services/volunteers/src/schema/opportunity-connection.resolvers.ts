import { connectionResolvers } from '@liyuan/kit';
import type { Opportunity } from '../domain/model';
import type { OpportunityConnectionResolvers } from './generated/resolvers-types';

/** A page of open opportunities; the total is counted only when asked for. */
export const OpportunityConnection: OpportunityConnectionResolvers = {
  ...connectionResolvers<Opportunity>(),
};
