import { DateScalar, DateTimeScalar } from '@liyuan/kit';
import { Building } from './building.resolvers';
import { enums } from './enums';
import type { Resolvers } from './generated/resolvers-types';
import { Grid } from './grid.resolvers';
import { GridMember } from './grid-member.resolvers';
import { Household } from './household.resolvers';
import { KeyGroupTag } from './key-group-tag.resolvers';
import { Mutation } from './mutation.resolvers';
import { Query } from './query.resolvers';
import { Resident } from './resident.resolvers';
import { ResidentConnection } from './resident-connection.resolvers';
import { ScheduledVisit } from './scheduled-visit.resolvers';
import { ScheduledVisitConnection } from './scheduled-visit-connection.resolvers';
import { ServiceRequest } from './service-request.resolvers';
import { ServiceRequestConnection } from './service-request-connection.resolvers';
import { Viewer } from './viewer.resolvers';
import { Visit } from './visit.resolvers';
import { VisitConnection } from './visit-connection.resolvers';
import { VisitDue } from './visit-due.resolvers';
import { VisitDueConnection } from './visit-due-connection.resolvers';

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
  KeyGroupTag,
  Visit,
  VisitConnection,
  VisitDue,
  VisitDueConnection,
  ScheduledVisit,
  ScheduledVisitConnection,
  ServiceRequest,
  ServiceRequestConnection,
  Viewer,
};
