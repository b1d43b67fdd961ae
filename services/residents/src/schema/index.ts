import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { ResidentsContext } from './context';
import { gridResolvers } from './grid.resolvers';
import { householdResolvers } from './household.resolvers';
import { mutationResolvers } from './mutation.resolvers';
import { queryResolvers } from './query.resolvers';
import { residentResolvers } from './resident.resolvers';
import { serviceRequestResolvers } from './service-request.resolvers';
import { visitResolvers } from './visit.resolvers';
import { DateScalar, DateTimeScalar, enums } from './scalars';

export const resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  ...enums,
  ...queryResolvers,
  ...mutationResolvers,
  ...residentResolvers,
  ...gridResolvers,
  ...serviceRequestResolvers,
  ...visitResolvers,
  Household: { ...householdResolvers.Household, ...visitResolvers.Household },
  Building: householdResolvers.Building,
} as unknown as GraphQLResolverMap<ResidentsContext>;
