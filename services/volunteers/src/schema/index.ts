import { DateTimeScalar } from '@liyuan/kit';
import type { Resolvers } from './generated/resolvers-types';
import { Mutation } from './mutation.resolvers';
import { Opportunity } from './opportunity.resolvers';
import { Query } from './query.resolvers';
import { Resident } from './resident.resolvers';
import { ServiceRecord } from './service-record.resolvers';
import { Shift } from './shift.resolvers';
import { Team } from './team.resolvers';
import { VolunteerProfile } from './volunteer-profile.resolvers';

/** The subgraph's resolver map: one file per type; resolvers only translate to the use cases. */
export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query,
  Mutation,
  Team,
  VolunteerProfile,
  ServiceRecord,
  Shift,
  Opportunity,
  Resident,
};
