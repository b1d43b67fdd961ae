/**
 * Resolver types from each subgraph's SDL (`npm run codegen`): `services/<name>/src/schema/generated/
 * resolvers-types.ts`. Parents are the domain's models (mappers), enums are the domain's value
 * lists, entity stubs owned by another subgraph are `{ id: string }`. `test/ops/codegen.test.ts`
 * fails when the committed files differ from what this config generates.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const MODEL = '../../domain/model';
const REFERENCE = '{ id: string }';

interface Subgraph {
  /** The request context type `schema/context.ts` exports. */
  context: string;
  /** GraphQL type → domain type (`Type` or `module#Type`, modules relative to `domain/`). */
  mappers: Record<string, string>;
  /** GraphQL enum → domain type listing its values (lower case, as in the domain's lists). */
  enums: Record<string, string>;
}

/** `Facility` → `../../domain/model#Facility`, `case-status#CaseStatus` → `../../domain/case-status#CaseStatus`. */
const domainType = (ref: string): string =>
  ref.startsWith('{') ? ref : ref.includes('#') ? `../../domain/${ref}` : `${MODEL}#${ref}`;

const SUBGRAPHS: Record<string, Subgraph> = {
  residents: {
    context: 'ResidentsContext',
    mappers: {
      Resident: 'ResidentInGrid',
      ResidentConnection: 'ResidentPage',
      Household: 'Household',
      Building: 'Building',
      Grid: 'Grid',
      GridMember: 'GridMember',
      KeyGroupTag: 'KeyGroupTag',
      Visit: 'Visit',
      VisitConnection: 'VisitPage',
      VisitDue: 'VisitDue',
      VisitDueConnection: 'VisitDuePage',
      ScheduledVisit: 'ScheduledVisit',
      ScheduledVisitConnection: 'ScheduledVisitPage',
      ServiceRequest: 'ServiceRequest',
      ServiceRequestConnection: 'ServiceRequestPage',
      ServiceRequestStatusChange: 'ServiceRequestChange',
      PersonalDataAccess: 'PersonalDataAccessRecord',
      Viewer: 'Viewer',
    },
    enums: {
      Gender: 'Gender',
      ResidencyType: 'ResidencyType',
      ResidentStatus: 'ResidentStatus',
      Relationship: 'Relationship',
      ScheduledVisitReason: 'ScheduledVisitReason',
      ScheduledVisitStatus: 'ScheduledVisitStatus',
      ServiceRequestType: 'ServiceRequestType',
      ServiceRequestStatus: 'ServiceRequestStatus',
    },
  },
  facilities: {
    context: 'FacilitiesContext',
    mappers: {
      Facility: 'Facility',
      Booking: 'Booking',
      Equipment: 'Equipment',
      Inspection: 'Inspection',
      RepairOrder: 'RepairOrder',
      Book: 'Book',
      Loan: 'Loan',
      Interval: 'Interval',
      RepairOrderConnection: 'RepairOrderPage',
      BookingConnection: 'BookingPage',
      InspectionConnection: 'InspectionPage',
      BookConnection: 'BookPage',
      LoanConnection: 'LoanPage',
      Resident: REFERENCE,
    },
    enums: {
      FacilityKind: 'FacilityKind',
      FacilityStatus: 'FacilityStatus',
      BookerType: 'BookerType',
      BookingStatus: 'BookingStatus',
      EquipmentStatus: 'EquipmentStatus',
      RepairOrderStatus: 'RepairOrderStatus',
      RepairOrderSource: 'RepairOrderSource',
    },
  },
  'shared-spaces': {
    context: 'SpacesContext',
    mappers: {
      PartyBranch: 'Branch',
      PartyMember: 'Member',
      PointsEntry: 'PointsEntry',
      SharedSpace: 'Space',
      SpaceActivity: 'Activity',
      SpaceActivityConnection: 'ActivityPage',
      PartyMemberConnection: 'MemberPage',
      PointsEntryConnection: 'PointsEntryPage',
      Resident: REFERENCE,
      Facility: REFERENCE,
    },
    enums: {
      SpaceTheme: 'Theme',
      ActivityStatus: 'ActivityStatus',
      PartyBranchKind: 'BranchKind',
      PartyMemberStatus: 'MemberStatus',
      PointsReason: 'PointsReason',
    },
  },
  volunteers: {
    context: 'VolunteersContext',
    mappers: {
      Team: 'Team',
      VolunteerProfile: 'Volunteer',
      ServiceRecord: 'ServiceRecord',
      Opportunity: 'Opportunity',
      Shift: 'Shift',
      LeaderboardEntry: 'LeaderboardEntry',
      OpportunityConnection: 'OpportunityPage',
      LeaderboardEntryConnection: 'LeaderboardPage',
      ServiceRecordConnection: 'ServiceRecordPage',
      ShiftConnection: 'ShiftPage',
      Resident: REFERENCE,
      Facility: REFERENCE,
    },
    enums: {
      TeamKind: 'TeamKind',
      OpportunityKind: 'OpportunityKind',
      VolunteerStatus: 'VolunteerStatus',
      ServiceRecordStatus: 'ServiceRecordStatus',
    },
  },
  mediation: {
    context: 'MediationContext',
    mappers: {
      DisputeCase: 'DisputeCase',
      CaseParty: 'Party',
      Mediator: 'Mediator',
      MediationSession: 'Session',
      Agreement: 'Agreement',
      FollowUp: 'FollowUp',
      OverdueCase: 'OverdueCase',
      DisputeCaseConnection: 'CasePage',
      OverdueCaseConnection: 'OverdueCasePage',
      Resident: REFERENCE,
    },
    enums: {
      CaseCategory: 'Category',
      CaseSource: 'Source',
      CaseStatus: 'case-status#CaseStatus',
      PartyRole: 'PartyRole',
      AgreementForm: 'AgreementForm',
    },
  },
};

const config: CodegenConfig = {
  overwrite: true,
  hooks: { afterOneFileWrite: ['prettier --write'] },
  generates: Object.fromEntries(
    Object.entries(SUBGRAPHS).map(([name, s]) => [
      `services/${name}/src/schema/generated/resolvers-types.ts`,
      {
        schema: `schemas/${name}.graphql`,
        plugins: [
          { add: { content: '/* Generated by `npm run codegen` from the SDL: do not edit. */' } },
          'typescript',
          'typescript-resolvers',
        ],
        config: {
          federation: true,
          useIndexSignature: false,
          useTypeImports: true,
          // A loader answers undefined for an unknown id; GraphQL reads it as null.
          maybeValue: 'T | null | undefined',
          contextType: `../context#${s.context}`,
          mapperTypeSuffix: 'Model',
          mappers: Object.fromEntries(
            Object.entries(s.mappers).map(([t, ref]) => [t, domainType(ref)]),
          ),
          enumValues: Object.fromEntries(
            Object.entries(s.enums).map(([t, ref]) => [t, domainType(ref)]),
          ),
          scalars: {
            ID: { input: 'string', output: 'string' },
            Date: { input: 'string', output: 'string' },
            DateTime: { input: 'string', output: 'Date | string' },
          },
        },
      },
    ]),
  ),
};

export default config;
