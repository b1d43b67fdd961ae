import type { Role } from '@liyuan/kit';

/**
 * Who may do what: the one declared table of the authorization matrix test (`matrix.test.ts`).
 *
 * One row per field, keyed `Type.field`: every Mutation field and every Query field of the
 * supergraph must have a row (a new field without one fails the test), and a few fields of
 * entities that other subgraphs extend (`Resident.bookings`, ...) have rows too, so that the same
 * data is guarded the same way on every path to it. For a Query field the row is about the rows it
 * returns (for `partyBranches`: its members).
 *
 * Each row says, for the eight roles and anonymous callers, one of:
 * - `yes`: the role may call it; called with a caller who owns nothing, it must succeed (a read
 *   shows the row).
 * - `no`: the role may not; called as the row's owner where the role can own one (the strongest
 *   refusal), it must be refused (FORBIDDEN, or UNAUTHENTICATED; anonymous callers exactly
 *   UNAUTHENTICATED) and change nothing; a read may instead leave the row out (null, empty, masked).
 * - `own`: only for its own rows, as OWNERSHIP says: the owner must succeed, a non-owner of the
 *   same role is refused.
 * `notSelf` names roles that must be refused even as owners when the row is about the caller
 * themself as a resident (nobody approves their own hours).
 *
 * These are the intended rules: the schema's descriptions, DOMAIN.md and issue 24.
 */

export type Who = Role | 'anonymous';
export type Access = 'yes' | 'no' | 'own';

export const WHO: readonly Who[] = [
  'anonymous',
  'resident',
  'grid_member',
  'volunteer_lead',
  'party_secretary',
  'mediator',
  'facility_manager',
  'staff',
  'admin',
];

/** What owning a row means for each role that can own one. */
export const OWNERSHIP: Partial<Record<Who, string>> = {
  resident:
    'the row is about them: their record, household, booking, loan, request, membership, case (as a party; as the applicant to withdraw), volunteer profile',
  grid_member: "the row's household or resident is in one of their grids",
  volunteer_lead: "they lead the row's team",
  mediator: "they are assigned to the row's case",
};

export interface Rule {
  access: Record<Who, Access>;
  /** Roles refused even as owners when the row's resident is the caller themself. */
  notSelf?: Role[];
}

const rule = (yes: readonly Who[], own: readonly Who[] = [], notSelf: Role[] = []): Rule => ({
  access: Object.fromEntries(
    WHO.map((w) => [w, own.includes(w) ? 'own' : yes.includes(w) ? 'yes' : 'no']),
  ) as Record<Who, Access>,
  ...(notSelf.length ? { notSelf } : {}),
});

const STAFF = ['staff', 'admin'] as const;
const MANAGERS = [...STAFF, 'facility_manager'] as const;
const SECRETARIES = [...STAFF, 'party_secretary'] as const;
/** Department roles that read residents (personal data masked) to serve them. */
const DEPARTMENTS = [
  ...STAFF,
  'volunteer_lead',
  'party_secretary',
  'mediator',
  'facility_manager',
] as const;
const SIGNED_IN = WHO.filter((w) => w !== 'anonymous');
const EVERYONE = WHO;

export const MATRIX: Record<string, Rule> = {
  // residents: reads
  'Query.me': rule(SIGNED_IN),
  'Query.resident': rule(DEPARTMENTS, ['resident', 'grid_member']),
  'Query.residents': rule(DEPARTMENTS, ['resident', 'grid_member']),
  'Query.household': rule(DEPARTMENTS, ['resident', 'grid_member']),
  'Query.building': rule(SIGNED_IN),
  'Query.buildings': rule(SIGNED_IN),
  'Query.grid': rule(EVERYONE),
  'Query.grids': rule(EVERYONE),
  'Query.keyGroupTags': rule(EVERYONE),
  'Query.visitsDue': rule(STAFF, ['grid_member']),
  'Query.scheduledVisits': rule(STAFF, ['grid_member']),
  'Query.serviceRequest': rule(STAFF, ['resident', 'grid_member']),
  'Query.serviceRequests': rule(STAFF, ['resident', 'grid_member']),
  'Query.personalDataAudit': rule(['admin']),
  'Household.visits': rule(STAFF, ['grid_member']),
  'Resident.serviceRequests': rule(STAFF, ['resident', 'grid_member']),
  // residents: changes
  'Mutation.createGrid': rule(STAFF),
  'Mutation.registerBuilding': rule(STAFF),
  'Mutation.registerHousehold': rule(STAFF, ['grid_member']),
  'Mutation.registerResident': rule(STAFF, ['grid_member']),
  'Mutation.updateResident': rule(STAFF, ['grid_member']),
  'Mutation.moveOutResident': rule(STAFF, ['grid_member']),
  'Mutation.assignGridMember': rule(STAFF),
  'Mutation.configureKeyGroupTag': rule(STAFF),
  'Mutation.tagResident': rule(STAFF, ['grid_member']),
  'Mutation.untagResident': rule(STAFF, ['grid_member']),
  'Mutation.recordVisit': rule(STAFF, ['grid_member']),
  'Mutation.fileServiceRequest': rule(STAFF, ['resident', 'grid_member']),
  'Mutation.startServiceRequest': rule(STAFF),
  'Mutation.resolveServiceRequest': rule(STAFF),
  'Mutation.rejectServiceRequest': rule(STAFF),

  // facilities: reads
  'Query.facility': rule(EVERYONE),
  'Query.facilities': rule(EVERYONE),
  'Query.booking': rule(MANAGERS, ['resident']),
  'Query.facilityBookings': rule(MANAGERS),
  'Query.residentBookings': rule(MANAGERS, ['resident']),
  'Query.openRepairOrders': rule(MANAGERS),
  'Query.books': rule(EVERYONE),
  'Query.overdueLoans': rule(MANAGERS),
  'Resident.bookings': rule(MANAGERS, ['resident']),
  'Resident.loans': rule(MANAGERS, ['resident']),
  // facilities: changes
  'Mutation.addFacility': rule(MANAGERS),
  'Mutation.setFacilityStatus': rule(MANAGERS),
  'Mutation.bookFacility': rule(MANAGERS, ['resident', 'volunteer_lead']),
  'Mutation.cancelBooking': rule(MANAGERS, ['resident']),
  'Mutation.checkInBooking': rule(MANAGERS),
  'Mutation.markNoShow': rule(MANAGERS),
  'Mutation.addEquipment': rule(MANAGERS),
  'Mutation.recordInspection': rule(MANAGERS),
  'Mutation.reportEquipmentFault': rule(SIGNED_IN),
  'Mutation.completeRepair': rule(MANAGERS),
  'Mutation.addBook': rule(MANAGERS),
  'Mutation.lendBook': rule(MANAGERS),
  'Mutation.returnBook': rule(MANAGERS),

  // shared-spaces: reads (party rosters: members, their points and history)
  'Query.partyBranches': rule(SECRETARIES, ['resident']),
  'Query.sharedSpaces': rule(EVERYONE),
  'Query.activity': rule(EVERYONE),
  'Query.upcomingActivities': rule(EVERYONE),
  'Resident.partyMembership': rule(SECRETARIES, ['resident']),
  'Resident.activitiesAttended': rule(SECRETARIES, ['resident']),
  // shared-spaces: changes
  'Mutation.createPartyBranch': rule(SECRETARIES),
  'Mutation.registerPartyMember': rule(SECRETARIES),
  'Mutation.createSharedSpace': rule(SECRETARIES),
  'Mutation.scheduleActivity': rule(SECRETARIES),
  'Mutation.registerForActivity': rule(['resident']),
  'Mutation.cancelRegistration': rule(['resident']),
  'Mutation.cancelActivity': rule(SECRETARIES),
  'Mutation.checkInAttendee': rule(SECRETARIES),
  'Mutation.completeActivity': rule(SECRETARIES),

  // volunteers: reads
  'Query.teams': rule(EVERYONE),
  'Query.openOpportunities': rule(EVERYONE),
  'Query.leaderboard': rule(EVERYONE),
  'Query.shift': rule(EVERYONE),
  'Query.volunteer': rule([...STAFF, 'volunteer_lead'], ['resident']),
  'Query.serviceRecord': rule([...STAFF, 'volunteer_lead'], ['resident']),
  'Resident.volunteerProfile': rule([...STAFF, 'volunteer_lead'], ['resident']),
  // volunteers: changes
  'Mutation.createTeam': rule(STAFF),
  'Mutation.registerVolunteer': rule(STAFF, ['resident']),
  'Mutation.addTeamMember': rule(STAFF, ['volunteer_lead']),
  'Mutation.postOpportunity': rule(STAFF, ['volunteer_lead']),
  'Mutation.signUp': rule(['resident']),
  'Mutation.cancelSignUp': rule(['resident']),
  'Mutation.checkInVolunteer': rule(STAFF, ['volunteer_lead']),
  'Mutation.checkOutVolunteer': rule(STAFF, ['volunteer_lead']),
  'Mutation.approveHours': rule(STAFF, ['volunteer_lead'], ['volunteer_lead', 'staff', 'admin']),
  'Mutation.redeemPoints': rule(['resident']),

  // mediation: reads (case details: its parties, its mediators, mediation staff)
  'Query.case': rule(STAFF, ['resident', 'mediator']),
  'Query.cases': rule(STAFF, ['resident', 'mediator']),
  'Query.mediators': rule(SIGNED_IN),
  'Query.overdueCases': rule(STAFF),
  'Query.mediationStats': rule(STAFF),
  'Resident.mediationCases': rule(STAFF, ['resident', 'mediator']),
  // mediation: changes
  'Mutation.fileCase': rule(STAFF, ['resident']),
  'Mutation.acceptCase': rule(STAFF),
  'Mutation.declineCase': rule(STAFF),
  'Mutation.assignMediator': rule(STAFF),
  'Mutation.startMediation': rule(STAFF, ['mediator']),
  'Mutation.recordSession': rule(STAFF, ['mediator']),
  'Mutation.reachAgreement': rule(STAFF, ['mediator']),
  'Mutation.failMediation': rule(STAFF, ['mediator']),
  'Mutation.withdrawCase': rule(STAFF, ['resident']),
  'Mutation.refuseMediation': rule([], ['resident']),
  'Mutation.closeCase': rule(STAFF),
  'Mutation.removeParty': rule(STAFF),
  'Mutation.recordFollowUp': rule(STAFF, ['mediator']),
  'Mutation.addMediator': rule(STAFF),
};
