import { DateScalar, DateTimeScalar } from '@liyuan/kit';
import { Building } from './building.resolvers';
import { enums } from './enums';
import type { Resolvers } from './generated/resolvers-types';
import { Grid } from './grid.resolvers';
import { GridMember } from './grid-member.resolvers';
import { Household } from './household.resolvers';
import { Mutation } from './mutation.resolvers';
import { Query } from './query.resolvers';
import { Resident } from './resident.resolvers';
import { ResidentConnection } from './resident-connection.resolvers';
import { ScheduledVisit } from './scheduled-visit.resolvers';
import { ServiceRequest } from './service-request.resolvers';
import { Viewer } from './viewer.resolvers';
import { Visit } from './visit.resolvers';
import { VisitDue } from './visit-due.resolvers';

/** The subgraph's resolver map: one file per type; resolvers only translate to the use cases. */
export const resolvers: Resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  ...enums,
  Query,
  Mutation,
  Resident,
  ResidentConnection,
  Household,
  Building,
  Grid,
  GridMember,
  Visit,
  VisitDue,
  ScheduledVisit,
  ServiceRequest,
  Viewer,
};
