import { DateScalar, DateTimeScalar } from '@liyuan/kit';
import { enums } from './enums';
import { Facility } from './facility.resolvers';
import type { Resolvers } from './generated/resolvers-types';
import { Mutation } from './mutation.resolvers';
import { PartyBranch } from './party-branch.resolvers';
import { PartyMember } from './party-member.resolvers';
import { PartyMemberConnection } from './party-member-connection.resolvers';
import { PointsEntryConnection } from './points-entry-connection.resolvers';
import { Query } from './query.resolvers';
import { Resident } from './resident.resolvers';
import { SharedSpace } from './shared-space.resolvers';
import { SpaceActivity } from './space-activity.resolvers';
import { SpaceActivityConnection } from './space-activity-connection.resolvers';

/** The subgraph's resolver map: one file per type; resolvers only translate to the use cases. */
export const resolvers: Resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  ...enums,
  Query,
  Mutation,
  PartyBranch,
  PartyMember,
  PartyMemberConnection,
  PointsEntryConnection,
  SharedSpace,
  SpaceActivity,
  SpaceActivityConnection,
  Resident,
  Facility,
};
