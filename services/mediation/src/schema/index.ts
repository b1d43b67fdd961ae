import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { DateScalar, DateTimeScalar } from '@liyuan/kit';
import { Agreement } from './agreement.resolvers';
import { CaseParty } from './case-party.resolvers';
import type { MediationContext } from './context';
import { DisputeCase } from './dispute-case.resolvers';
import { enums } from './enums';
import { MediationSession } from './mediation-session.resolvers';
import { Mutation } from './mutation.resolvers';
import { Query } from './query.resolvers';
import { Resident } from './resident.resolvers';

/** The subgraph's resolver map: one file per type; resolvers only translate to the use cases. */
export const resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  ...enums,
  Query,
  Mutation,
  DisputeCase,
  CaseParty,
  MediationSession,
  Agreement,
  Resident,
} as unknown as GraphQLResolverMap<MediationContext>;
