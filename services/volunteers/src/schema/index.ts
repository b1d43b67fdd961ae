import { DateTimeScalar } from '@liyuan/kit';
import { enums } from './enums';
import type { Resolvers } from './generated/resolvers-types';
import { LeaderboardEntry } from './leaderboard-entry.resolvers';
import { LeaderboardEntryConnection } from './leaderboard-entry-connection.resolvers';
import { Mutation } from './mutation.resolvers';
import { Opportunity } from './opportunity.resolvers';
import { OpportunityConnection } from './opportunity-connection.resolvers';
import { Query } from './query.resolvers';
import { Resident } from './resident.resolvers';
import { ServiceRecord } from './service-record.resolvers';
import { ServiceRecordConnection } from './service-record-connection.resolvers';
import { Shift } from './shift.resolvers';
import { ShiftConnection } from './shift-connection.resolvers';
import { Team } from './team.resolvers';
import { VolunteerProfile } from './volunteer-profile.resolvers';

/** The subgraph's resolver map: one file per type; resolvers only translate to the use cases. */
export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  ...enums,
  Query,
  Mutation,
  Team,
  VolunteerProfile,
  ServiceRecord,
  ServiceRecordConnection,
  Shift,
  ShiftConnection,
  Opportunity,
  OpportunityConnection,
  LeaderboardEntry,
  LeaderboardEntryConnection,
  Resident,
};
