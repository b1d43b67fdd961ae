import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  getNamedType,
  getNullableType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  type GraphQLSchema,
} from 'graphql';
import { SCHEMAS_DIR, SUBGRAPHS } from './compose-lib';

/**
 * Lists that cannot grow without bound, each with what bounds it. Every other list field of an
 * object type is the `edges` of a cursor connection.
 */
const BOUNDED_LISTS: Record<string, string> = {
  'Resident.tags': 'the configured key-group tags',
  'Household.members': 'the people of one household',
  'Grid.children': 'the grids of the community',
  'Grid.members': 'the workers assigned to one grid',
  'GridMember.grids': 'the grids of the community',
  'VisitDue.tags': 'the configured key-group tags',
  'ServiceRequest.history': 'one change per status of the request lifecycle',
  'PersonalDataAccess.actorRoles': 'the roles of the platform',
  'Viewer.roles': 'the roles of the platform',
  'Viewer.gridIds': 'the grids of the community',
  'Query.buildings': 'the buildings of the community',
  'Query.grids': 'the grids of the community',
  'Query.keyGroupTags': 'the configured key-group tags',
  'Facility.equipment': 'the devices of one venue',
  'Availability.free': 'the free intervals of one day',
  'Availability.booked': 'the booked intervals of one day',
  'Query.facilities': 'the venues of the community',
  'Facility.sharedSpaces': 'the shared spaces of one venue (the community has ten)',
  'Query.partyBranches': 'the party branches of the community',
  'Query.sharedSpaces': 'the shared spaces of the community (ten)',
  'VolunteerProfile.skills': 'validated on registration',
  'VolunteerProfile.teams': 'the teams of the community',
  'Opportunity.shifts': '1 to 50 shifts, validated when posted',
  'Query.teams': 'the teams of the community',
  'DisputeCase.parties': 'the parties of one case, validated when filed',
  'DisputeCase.mediators': 'the mediators assigned to one case',
  'DisputeCase.sessions': 'the sessions of one mediation',
  'DisputeCase.followUps': 'the follow-ups of one agreement',
  'Mediator.specialties': 'the case categories',
  'MediationSession.attendees': 'the parties of one case',
  'MediationStats.byCategory': 'the case categories',
  'MediationStats.byOutcome': 'the case outcomes',
  'Query.mediators': 'the mediator roster of the community',
};

/**
 * Object types without an `id`: values that live inside their parent (a normalising client cache
 * stores them with it), each with why it has no identity of its own.
 */
const VALUE_TYPES: Record<string, string> = {
  Query: 'root',
  Mutation: 'root',
  Subscription: 'root',
  ServiceRequestChange: 'a change pushed to subscribers; the request is the entity',
  BookingChange: 'a change pushed to subscribers; the booking is the entity',
  FacilityChange: 'a change pushed to subscribers; the facility is the entity',
  ActivityChange: 'a change pushed to subscribers; the activity is the entity',
  ShiftChange: 'a change pushed to subscribers; the shift is the entity',
  ServiceRecordChange: 'a change pushed to subscribers; the service record is the entity',
  MediationCaseChange: 'a change pushed to subscribers; the case is the entity',
  VisitDueChange: 'a change pushed to subscribers; the household is the entity',
  PageInfo: 'part of a connection',
  Interval: 'a span of time of an availability',
  Availability: "a venue's day, computed on request",
  LeaderboardEntry: "a volunteer's rank in one period; the volunteer is the entity",
  OverdueCase: 'a case with how long it is overdue; the case is the entity',
  CountBy: 'a count within statistics',
  MediationStats: 'statistics of a period, computed on request',
};

const isConnectionPart = (typeName: string) => /(Connection|Edge)$/.test(typeName);

function subgraphSchema(name: string): GraphQLSchema {
  const own = SUBGRAPHS.find((s) => s.name === name)!;
  return buildSubgraphSchema({
    typeDefs: parse(readFileSync(resolve(SCHEMAS_DIR, own.schema), 'utf8')),
  });
}

/** The object types a subgraph declares (federation's own types left out). */
const objectTypes = (schema: GraphQLSchema) =>
  Object.values(schema.getTypeMap()).filter(
    (t) => isObjectType(t) && !t.name.startsWith('_'),
  ) as import('graphql').GraphQLObjectType[];

describe.each(SUBGRAPHS.map((s) => s.name))('the %s subgraph’s client contract', (name) => {
  const schema = subgraphSchema(name);

  it('takes one input object in every mutation', () => {
    const mutation = schema.getMutationType();
    const wrong = Object.values(mutation?.getFields() ?? {})
      .filter((f) => {
        const [arg, ...rest] = f.args;
        return (
          rest.length > 0 ||
          !arg ||
          arg.name !== 'input' ||
          !isNonNullType(arg.type) ||
          !isInputObjectType(arg.type.ofType)
        );
      })
      .map((f) => f.name);
    expect(wrong).toEqual([]);
  });

  it('serves every list that can grow as a cursor connection with the same bounds', () => {
    const unbounded: string[] = [];
    for (const type of objectTypes(schema)) {
      for (const field of Object.values(type.getFields())) {
        if (field.name.startsWith('_') || !isListType(getNullableType(field.type))) continue;
        const at = `${type.name}.${field.name}`;
        if (isConnectionPart(type.name) && field.name === 'edges') continue;
        if (!BOUNDED_LISTS[at]) unbounded.push(at);
      }
      for (const field of Object.values(type.getFields())) {
        if (!getNamedType(field.type).name.endsWith('Connection')) continue;
        const args = Object.fromEntries(field.args.map((a) => [a.name, a]));
        expect({ at: `${type.name}.${field.name}`, first: args.first?.defaultValue }).toEqual({
          at: `${type.name}.${field.name}`,
          first: 20,
        });
        expect(String(args.after?.type)).toBe('String');
      }
    }
    expect(unbounded).toEqual([]);
  });

  it('gives every entity an id a normalising client cache can key it by', () => {
    const missing = objectTypes(schema)
      .filter((t) => !isConnectionPart(t.name) && !VALUE_TYPES[t.name])
      .filter((t) => String(t.getFields().id?.type) !== 'ID!')
      .map((t) => t.name);
    expect(missing).toEqual([]);
  });
});

describe('the client contract’s exceptions', () => {
  const schemas = SUBGRAPHS.map((s) => subgraphSchema(s.name));
  const fieldExists = (at: string) => {
    const [typeName, fieldName] = at.split('.') as [string, string];
    return schemas.some((s) => {
      const t = s.getType(typeName);
      return isObjectType(t) && isListType(getNullableType(t.getFields()[fieldName]?.type));
    });
  };

  it('name only list fields that exist', () => {
    expect(Object.keys(BOUNDED_LISTS).filter((at) => !fieldExists(at))).toEqual([]);
  });

  it('name only object types that exist', () => {
    expect(
      Object.keys(VALUE_TYPES).filter((t) => !schemas.some((s) => isObjectType(s.getType(t)))),
    ).toEqual([]);
  });
});
