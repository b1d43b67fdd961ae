import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { DateScalar, DateTimeScalar } from '@liyuan/kit';
import type { SpacesContext } from './context';
import { enums } from './enums';
import { Facility } from './facility.resolvers';
import { Mutation } from './mutation.resolvers';
import { PartyBranch } from './party-branch.resolvers';
import { PartyMember } from './party-member.resolvers';
import { PointsEntry } from './points-entry.resolvers';
import { Query } from './query.resolvers';
import { Resident } from './resident.resolvers';
import { SharedSpace } from './shared-space.resolvers';
import { SpaceActivity } from './space-activity.resolvers';

/** The subgraph's resolver map: one file per type; resolvers only translate to the use cases. */
export const resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  ...enums,
  Query,
  Mutation,
  PartyBranch,
  PartyMember,
  PointsEntry,
  SharedSpace,
  SpaceActivity,
  Resident,
  Facility,
} as unknown as GraphQLResolverMap<SpacesContext>;
