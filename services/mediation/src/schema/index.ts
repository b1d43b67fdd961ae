import { DateScalar, DateTimeScalar } from '@liyuan/kit';
import { Agreement } from './agreement.resolvers';
import { CaseParty } from './case-party.resolvers';
import { DisputeCase } from './dispute-case.resolvers';
import { DisputeCaseConnection } from './dispute-case-connection.resolvers';
import { enums } from './enums';
import type { Resolvers } from './generated/resolvers-types';
import { MediationSession } from './mediation-session.resolvers';
import { Mutation } from './mutation.resolvers';
import { OverdueCaseConnection } from './overdue-case-connection.resolvers';
import { Query } from './query.resolvers';
import { Resident } from './resident.resolvers';

/** The subgraph's resolver map: one file per type; resolvers only translate to the use cases. */
export const resolvers: Resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  ...enums,
  Query,
  Mutation,
  DisputeCase,
  DisputeCaseConnection,
  OverdueCaseConnection,
  CaseParty,
  MediationSession,
  Agreement,
  Resident,
};
