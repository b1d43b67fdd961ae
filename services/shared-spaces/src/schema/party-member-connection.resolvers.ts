import { connectionResolvers } from '@liyuan/kit';
import type { Member } from '../domain/model';
import type { PartyMemberConnectionResolvers } from './generated/resolvers-types';

/** A page of a branch's roster; the total is counted only when asked for. */
export const PartyMemberConnection: PartyMemberConnectionResolvers = {
  ...connectionResolvers<Member>(),
};
