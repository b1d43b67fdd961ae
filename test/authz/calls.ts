import { waitFor } from '../support/wait';
import type { Who } from './matrix';
import { dayFromToday, unique, type Owner, type World } from './world';

/**
 * How to call each field of the table in matrix.ts: a fresh subject (the row it acts on, seeded
 * through the gateway as staff) and the arguments. Every argument is sent as a variable, so the
 * fuzz test can replace any of them; the operation document is built from the schema.
 */

/** The caller of one cell: a role, as the subject's owner or not. */
export interface Actor {
  who: Who;
  owner: boolean;
}

export interface Subject {
  /** Who owns it, for the roles that can. */
  owner?: Owner;
  /** The field's arguments, the same for every caller or per caller. */
  args: Record<string, unknown> | ((a: Actor) => Record<string, unknown>);
  /**
   * Reads: the id that the answer contains when it shows the subject's row, or a test of the
   * answer (the root field's value).
   */
  shows?: string | ((value: unknown) => boolean);
}

export interface CallSpec {
  /** Seeds a subject; a mutation gets a fresh one for each caller who may change it. */
  setup(w: World): Promise<Subject>;
  /** The selection on the root field's value; `{ __typename }` for objects unless told. */
  select?: string;
  /** A type's field (e.g. `Resident.bookings`) is read through this Query field. */
  via?: string;
  /**
   * The field acts on the caller ("the calling resident"): `yes` cells call as the subject's
   * owner too.
   */
  self?: boolean;
}

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** A period starting `fromNowMs` from now, `minutes` long, ending before local midnight. */
function nearNow(fromNowMs: number, minutes: number): { startsAt: string; endsAt: string } {
  const start = Date.now() + fromNowMs;
  const localMidnight = Math.floor((start + 8 * HOUR) / (24 * HOUR)) * 24 * HOUR - 8 * HOUR;
  const end = Math.min(start + minutes * MINUTE, localMidnight + 24 * HOUR - 2 * MINUTE);
  return { startsAt: new Date(start).toISOString(), endsAt: new Date(end).toISOString() };
}

const residentToken = (w: World, residentId: string) =>
  w.token('resident', { sub: `resident-${residentId}`, residentId });

// --- seeding helpers: each builds one fresh row through the gateway ---------------------------

const fileRequest = (w: World, residentId: string) =>
  w.id(`mutation($i: FileServiceRequestInput!) { fileServiceRequest(input: $i) { id } }`, {
    i: { residentId, type: 'OTHER', description: 'The stairwell light is out' },
  });

const book = (w: World, facilityId: string, residentId: string, period = w.slot(facilityId)) =>
  w.id(`mutation($i: BookFacilityInput!) { bookFacility(input: $i) { id } }`, {
    i: { facilityId, ...period, attendees: 4, purpose: 'Chess club', residentId },
  });

const equipment = (w: World) =>
  w.id(`mutation($i: AddEquipmentInput!) { addEquipment(input: $i) { id } }`, {
    i: { facilityId: w.base.venue, name: unique('Twist Stepper') },
  });

const reportFault = (w: World, equipmentId: string) =>
  w.id(
    `mutation($e: ID!) { reportEquipmentFault(input: { equipmentId: $e, description: "The pedal is loose" }) { id } }`,
    { e: equipmentId },
  );

const addBook = (w: World, title = unique('Dunhuang Murals')) =>
  w.id(`mutation($i: AddBookInput!) { addBook(input: $i) { id } }`, {
    i: { title, author: 'Fan Jinshi', copies: 3 },
  });

const lend = async (w: World, residentId: string) =>
  w.id(
    `mutation($b: ID!, $r: ID!, $d: Date) { lendBook(input: { bookId: $b, residentId: $r, dueOn: $d }) { id } }`,
    {
      b: await addBook(w),
      r: residentId,
      d: dayFromToday(14),
    },
  );

const registerMember = (w: World, residentId: string) =>
  w.id(`mutation($i: RegisterPartyMemberInput!) { registerPartyMember(input: $i) { id } }`, {
    i: { residentId, branchId: w.base.branch, joinedOn: '2015-07-01' },
  });

/** An activity in the base space; `confirmed` waits for the venue saga to confirm it. */
async function activity(w: World, confirmed: boolean): Promise<string> {
  const id = await w.id(
    `mutation($i: ScheduleActivityInput!) { scheduleActivity(input: $i) { id } }`,
    {
      i: {
        spaceId: w.base.space,
        title: unique('Reading hour'),
        ...w.slot(w.base.hall),
        capacity: 20,
      },
    },
  );
  if (confirmed) {
    await waitFor(`activity ${id} confirmed`, async () => {
      const a = await w.ok(`query($id: ID!) { activity(id: $id) { status } }`, { id });
      if (a.status === 'VENUE_REJECTED') throw new Error(`activity ${id}: venue rejected`);
      return a.status === 'CONFIRMED' ? true : undefined;
    });
  }
  return id;
}

const registerFor = async (w: World, activityId: string, residentId: string) =>
  w.ok(
    `mutation($i: RegisterForActivityInput!) { registerForActivity(input: $i) { id } }`,
    { i: { activityId } },
    await residentToken(w, residentId),
  );

const registerVolunteer = (w: World, residentId: string) =>
  w.id(`mutation($i: RegisterVolunteerInput!) { registerVolunteer(input: $i) { id } }`, {
    i: { residentId, skills: ['first aid'] },
  });

/** A shift of a new opportunity of `teamId`; `startsInMs` from now (days ahead unless told). */
async function shift(w: World, teamId: string, startsInMs?: number): Promise<string> {
  const period = startsInMs === undefined ? w.slot(w.base.venue) : nearNow(startsInMs, 120);
  const o = await w.ok(
    `mutation($i: PostOpportunityInput!) { postOpportunity(input: $i) { shifts { id } } }`,
    {
      i: {
        teamId,
        kind: 'HYGIENE_DRIVE',
        title: 'Stairwell clean-up',
        shifts: [{ ...period, slots: 5 }],
      },
    },
  );
  return String((o.shifts as { id: string }[])[0]!.id);
}

/**
 * A volunteer of a new team signed up for a shift that starts in a few minutes, taken `upTo` a
 * stage: 'signedUp', 'checkedIn', 'checkedOut' (a service record waits for approval), 'approved'.
 */
async function volunteering(
  w: World,
  upTo: 'signedUp' | 'checkedIn' | 'checkedOut' | 'approved',
  opts: { soon?: boolean } = {},
) {
  const [team, r] = await Promise.all([w.team(), w.knownResident()]);
  await registerVolunteer(w, r.id);
  await w.ok(`mutation($i: AddTeamMemberInput!) { addTeamMember(input: $i) { id } }`, {
    i: { teamId: team.id, residentId: r.id },
  });
  const shiftId = await shift(w, team.id, opts.soon === false ? undefined : 5 * MINUTE);
  await w.ok(
    `mutation($i: SignUpInput!) { signUp(input: $i) { id } }`,
    { i: { shiftId } },
    await residentToken(w, r.id),
  );
  let recordId: string | undefined;
  if (upTo !== 'signedUp')
    await w.ok(`mutation($i: CheckInVolunteerInput!) { checkInVolunteer(input: $i) { id } }`, {
      i: { shiftId, residentId: r.id },
    });
  if (upTo === 'checkedOut' || upTo === 'approved')
    recordId = await w.id(
      `mutation($i: CheckOutVolunteerInput!) { checkOutVolunteer(input: $i) { id } }`,
      { i: { shiftId, residentId: r.id } },
    );
  if (upTo === 'approved')
    await w.ok(`mutation($i: ApproveHoursInput!) { approveHours(input: $i) { id } }`, {
      i: { serviceRecordId: recordId },
    });
  return { team, residentId: r.id, shiftId, recordId: recordId ?? '' };
}

/**
 * A case between two residents every service knows, taken up to a status: 'filed', 'accepted'
 * (with a mediator assigned), 'mediating', 'agreed'.
 */
async function mediationCase(w: World, upTo: 'filed' | 'accepted' | 'mediating' | 'agreed') {
  const [applicant, respondent] = w.base.parties;
  const mediator = await w.mediator();
  const caseId = await w.id(`mutation($i: FileCaseInput!) { fileCase(input: $i) { id } }`, {
    i: caseInput(applicant, respondent),
  });
  if (upTo !== 'filed') {
    await w.ok(`mutation($id: ID!) { acceptCase(input: { id: $id }) { id } }`, { id: caseId });
    await w.ok(
      `mutation($c: ID!, $m: ID!) { assignMediator(input: { caseId: $c, mediatorId: $m }) { id } }`,
      { c: caseId, m: mediator.id },
    );
  }
  if (upTo === 'mediating' || upTo === 'agreed')
    await w.ok(`mutation($id: ID!) { startMediation(input: { id: $id }) { id } }`, { id: caseId });
  if (upTo === 'agreed')
    await w.ok(
      `mutation($c: ID!, $a: AgreementInput!) { reachAgreement(input: { caseId: $c, agreement: $a }) { id } }`,
      {
        c: caseId,
        a: {
          form: 'WRITTEN',
          terms: 'The fence is moved back half a metre',
          signedOn: dayFromToday(0),
        },
      },
    );
  return {
    caseId,
    applicant,
    respondent,
    mediator,
    owner: { residentId: applicant, mediatorUserId: mediator.userId } satisfies Owner,
  };
}

const caseInput = (applicant: string, respondent: string) => ({
  category: 'NEIGHBOUR',
  source: 'APPLICATION',
  summary: 'A fence moved onto the shared path',
  parties: [
    { residentId: applicant, role: 'APPLICANT' },
    { residentId: respondent, role: 'RESPONDENT' },
  ],
});

/** A subject that is just these arguments, owned in grid A (where the caller's grid matters). */
const inGridA = (w: World, args: Record<string, unknown>): Subject => ({
  owner: { gridId: w.base.gridA },
  args,
});

// --- the calls ---------------------------------------------------------------------------------

export const CALLS: Record<string, CallSpec> = {
  // residents: reads
  'Query.me': {
    self: true,
    select: '{ roles gridIds resident { id } }',
    setup: async (w) => {
      const r = await w.resident();
      return { owner: { residentId: r.id, gridId: r.gridId }, args: {} };
    },
  },
  'Query.resident': {
    select: '{ id }',
    setup: async (w) => {
      const r = await w.resident();
      return { owner: { residentId: r.id, gridId: r.gridId }, args: { id: r.id }, shows: r.id };
    },
  },
  'Query.residents': {
    select: '{ edges { node { id } } }',
    setup: async (w) => {
      const name = unique('Listed');
      const r = await w.resident({ name });
      return {
        owner: { residentId: r.id, gridId: r.gridId },
        args: { first: 100, filter: { name } },
        shows: r.id,
      };
    },
  },
  'Query.household': {
    select: '{ id }',
    setup: async (w) => {
      const household = await w.household(w.base.buildingA);
      const r = await w.registerResident(household);
      return {
        owner: { residentId: r, gridId: w.base.gridA },
        args: { id: household },
        shows: household,
      };
    },
  },
  'Query.building': {
    select: '{ id }',
    setup: async (w) => ({ args: { id: w.base.buildingA }, shows: w.base.buildingA }),
  },
  'Query.buildings': {
    select: '{ id }',
    setup: async (w) => ({ args: { gridId: w.base.gridA }, shows: w.base.buildingA }),
  },
  'Query.grid': {
    select: '{ id }',
    setup: async (w) => ({ args: { id: w.base.gridA }, shows: w.base.gridA }),
  },
  'Query.grids': {
    select: '{ id }',
    setup: async (w) => ({ args: {}, shows: w.base.gridA }),
  },
  'Query.keyGroupTags': {
    select: '{ code }',
    setup: async () => ({ args: {}, shows: 'authz_tag' }),
  },
  'Query.visitsDue': {
    select: '{ edges { node { id household { id } } } }',
    setup: async (w) => {
      const household = await w.household(w.base.buildingA);
      const r = await w.registerResident(household, { tags: ['elderly_living_alone'] });
      // Due: last visited ten days ago, its cadence is seven.
      await w.ok(`mutation($i: RecordVisitInput!) { recordVisit(input: $i) { id } }`, {
        i: {
          householdId: household,
          visitedAt: new Date(Date.now() - 240 * HOUR).toISOString(),
          notes: 'Routine visit',
        },
      });
      return {
        owner: { residentId: r, gridId: w.base.gridA },
        args: { first: 100, gridId: w.base.gridA },
        shows: household,
      };
    },
  },
  'Query.scheduledVisits': {
    select: '{ edges { node { id household { id } } } }',
    setup: async (w) => {
      const household = await w.household(w.base.buildingA);
      const r = await w.registerResident(household);
      await w.ok(`mutation($i: RecordVisitInput!) { recordVisit(input: $i) { id } }`, {
        i: {
          householdId: household,
          visitedAt: new Date(Date.now() - HOUR).toISOString(),
          notes: 'Needs a ramp',
          followUpNeeded: true,
        },
      });
      return {
        owner: { residentId: r, gridId: w.base.gridA },
        args: { first: 100, gridId: w.base.gridA },
        shows: household,
      };
    },
  },
  'Query.serviceRequest': {
    select: '{ id }',
    setup: async (w) => {
      const r = await w.resident();
      const id = await fileRequest(w, r.id);
      return { owner: { residentId: r.id, gridId: r.gridId }, args: { id }, shows: id };
    },
  },
  'Query.serviceRequests': {
    select: '{ edges { node { id } } }',
    setup: async (w) => {
      const r = await w.resident();
      const id = await fileRequest(w, r.id);
      return {
        owner: { residentId: r.id, gridId: r.gridId },
        args: { first: 100, filter: { residentId: r.id } },
        shows: id,
      };
    },
  },
  'Query.personalDataAudit': {
    select: '{ edges { node { id residentId } } }',
    setup: async (w) => {
      const r = await w.resident();
      await w.ok(`query($id: ID!) { resident(id: $id) { phone(purpose: "home visit") } }`, {
        id: r.id,
      });
      return {
        owner: { residentId: r.id, gridId: r.gridId },
        args: { first: 100, filter: { residentId: r.id } },
        shows: r.id,
      };
    },
  },
  'Household.visits': {
    via: 'household',
    select: '{ id visits(first: 100) { edges { node { id } } } }',
    setup: async (w) => {
      const household = await w.household(w.base.buildingA);
      const r = await w.registerResident(household);
      const visit = await w.id(
        `mutation($i: RecordVisitInput!) { recordVisit(input: $i) { id } }`,
        {
          i: {
            householdId: household,
            visitedAt: new Date(Date.now() - HOUR).toISOString(),
            notes: 'All well',
          },
        },
      );
      return {
        owner: { residentId: r, gridId: w.base.gridA },
        args: { id: household },
        shows: visit,
      };
    },
  },
  'Resident.serviceRequests': {
    via: 'resident',
    select: '{ id serviceRequests(first: 100) { edges { node { id } } } }',
    setup: async (w) => {
      const r = await w.resident();
      const id = await fileRequest(w, r.id);
      return { owner: { residentId: r.id, gridId: r.gridId }, args: { id: r.id }, shows: id };
    },
  },

  // residents: changes
  'Mutation.createGrid': {
    setup: async (w) => inGridA(w, { input: { name: unique('Grid'), parentId: w.base.gridA } }),
  },
  'Mutation.registerBuilding': {
    setup: async (w) =>
      inGridA(w, {
        input: { name: unique('Building'), address: '2 Mingshan Road', gridId: w.base.gridA },
      }),
  },
  'Mutation.registerHousehold': {
    setup: async (w) =>
      inGridA(w, { input: { buildingId: w.base.buildingA, unit: '2', room: unique('R') } }),
  },
  'Mutation.registerResident': {
    setup: async (w) =>
      inGridA(w, { input: { ...w.residentInput(w.base.householdA), tags: ['veteran'] } }),
  },
  'Mutation.updateResident': {
    setup: async (w) => {
      const r = await w.resident();
      return {
        owner: { residentId: r.id, gridId: r.gridId },
        args: { input: { id: r.id, name: unique('Renamed'), phone: '13800001111' } },
      };
    },
  },
  'Mutation.moveOutResident': {
    setup: async (w) => {
      const r = await w.resident();
      return {
        owner: { residentId: r.id, gridId: r.gridId },
        args: { input: { residentId: r.id, movedOutOn: dayFromToday(0) } },
      };
    },
  },
  'Mutation.assignGridMember': {
    setup: async (w) =>
      inGridA(w, {
        input: { gridId: w.base.gridA, userId: unique('gm').replace(/ /g, '-'), name: 'Li Na' },
      }),
  },
  'Mutation.configureKeyGroupTag': {
    setup: async (w) =>
      inGridA(w, {
        input: {
          code: unique('tag').replace(/[^a-z0-9]/g, '_'),
          name: 'Lives on an upper floor',
          visitCadenceDays: 60,
        },
      }),
  },
  'Mutation.tagResident': {
    setup: async (w) => {
      const r = await w.resident();
      return {
        owner: { residentId: r.id, gridId: r.gridId },
        args: { input: { residentId: r.id, tag: 'authz_tag' } },
      };
    },
  },
  'Mutation.untagResident': {
    setup: async (w) => {
      const r = await w.resident({ tags: ['authz_tag'] });
      return {
        owner: { residentId: r.id, gridId: r.gridId },
        args: { input: { residentId: r.id, tag: 'authz_tag' } },
      };
    },
  },
  'Mutation.recordVisit': {
    setup: async (w) => {
      const household = await w.household(w.base.buildingA);
      const r = await w.registerResident(household);
      return {
        owner: { residentId: r, gridId: w.base.gridA },
        args: {
          input: {
            householdId: household,
            residentId: r,
            visitedAt: new Date(Date.now() - HOUR).toISOString(),
            notes: 'Checked the smoke alarm',
            followUpNeeded: false,
          },
        },
      };
    },
  },
  'Mutation.fileServiceRequest': {
    setup: async (w) => {
      const r = await w.resident();
      return {
        owner: { residentId: r.id, gridId: r.gridId },
        args: { input: { residentId: r.id, type: 'MEDICAL_INSURANCE', description: 'Renewal' } },
      };
    },
  },
  'Mutation.startServiceRequest': {
    setup: async (w) => {
      const r = await w.resident();
      const id = await fileRequest(w, r.id);
      return {
        owner: { residentId: r.id, gridId: r.gridId },
        args: { input: { id, note: 'On it' } },
      };
    },
  },
  'Mutation.resolveServiceRequest': {
    setup: async (w) => {
      const r = await w.resident();
      const id = await fileRequest(w, r.id);
      await w.ok(`mutation($id: ID!) { startServiceRequest(input: { id: $id }) { id } }`, { id });
      return {
        owner: { residentId: r.id, gridId: r.gridId },
        args: { input: { id, resolution: 'The light was replaced' } },
      };
    },
  },
  'Mutation.rejectServiceRequest': {
    setup: async (w) => {
      const r = await w.resident();
      const id = await fileRequest(w, r.id);
      return {
        owner: { residentId: r.id, gridId: r.gridId },
        args: { input: { id, reason: 'Duplicate' } },
      };
    },
  },

  // facilities: reads
  'Query.facility': {
    select: '{ id }',
    setup: async (w) => ({ args: { id: w.base.venue }, shows: w.base.venue }),
  },
  'Query.facilities': {
    select: '{ id }',
    setup: async (w) => ({ args: { kind: 'ACTIVITY_ROOM' }, shows: w.base.venue }),
  },
  'Query.booking': {
    select: '{ id }',
    setup: async (w) => {
      const r = await w.sharedResident();
      const id = await book(w, w.base.venue, r.id);
      return { owner: { residentId: r.id, gridId: r.gridId }, args: { id }, shows: id };
    },
  },
  'Query.facilityBookings': {
    select: '{ edges { node { id } } }',
    setup: async (w) => {
      const r = await w.sharedResident();
      const period = w.slot(w.base.venue);
      const id = await book(w, w.base.venue, r.id, period);
      return {
        owner: { residentId: r.id, gridId: r.gridId },
        args: { first: 100, facilityId: w.base.venue, from: period.startsAt, to: period.endsAt },
        shows: id,
      };
    },
  },
  'Query.residentBookings': {
    select: '{ edges { node { id } } }',
    setup: async (w) => {
      const r = await w.sharedResident();
      const id = await book(w, w.base.venue, r.id);
      return {
        owner: { residentId: r.id, gridId: r.gridId },
        args: { first: 100, residentId: r.id },
        shows: id,
      };
    },
  },
  'Query.openRepairOrders': {
    select: '{ edges { node { id } } }',
    setup: async (w) => {
      const id = await reportFault(w, await equipment(w));
      return { args: { first: 100 }, shows: id };
    },
  },
  'Query.books': {
    select: '{ edges { node { id } } }',
    setup: async (w) => {
      const title = unique('Dunhuang Murals');
      const id = await addBook(w, title);
      return { args: { first: 100, search: title }, shows: id };
    },
  },
  'Query.overdueLoans': {
    select: '{ edges { node { id } } }',
    setup: async (w) => {
      const r = await w.sharedResident();
      const id = await lend(w, r.id);
      // No call lends a book due in the past: age the loan where it is stored.
      await w.sql('facilities', `UPDATE loans SET due_on = current_date - 3 WHERE id = $1`, [id]);
      return { owner: { residentId: r.id, gridId: r.gridId }, args: { first: 100 }, shows: id };
    },
  },
  'Resident.bookings': {
    via: 'resident',
    select: '{ id bookings(first: 100) { edges { node { id } } } }',
    setup: async (w) => {
      const r = await w.sharedResident();
      const id = await book(w, w.base.venue, r.id);
      return { owner: { residentId: r.id, gridId: r.gridId }, args: { id: r.id }, shows: id };
    },
  },
  'Resident.loans': {
    via: 'resident',
    select: '{ id loans(first: 100) { edges { node { id } } } }',
    setup: async (w) => {
      const r = await w.sharedResident();
      const id = await lend(w, r.id);
      return { owner: { residentId: r.id, gridId: r.gridId }, args: { id: r.id }, shows: id };
    },
  },

  // facilities: changes
  'Mutation.addFacility': {
    setup: async () => ({
      args: {
        input: {
          name: unique('Dance Room'),
          kind: 'DANCE_ROOM',
          capacity: 40,
          opensAt: '08:00',
          closesAt: '21:00',
          location: 'Second floor',
        },
      },
    }),
  },
  'Mutation.setFacilityStatus': {
    setup: async (w) => ({ args: { input: { id: await w.facility(), status: 'MAINTENANCE' } } }),
  },
  'Mutation.bookFacility': {
    setup: async (w) => {
      const [r, team] = await Promise.all([w.sharedResident(), w.team()]);
      const input = {
        facilityId: w.base.venue,
        ...w.slot(w.base.venue),
        attendees: 6,
        purpose: 'Calligraphy practice',
      };
      return {
        owner: { residentId: r.id, gridId: r.gridId, leadUserId: team.leadUserId },
        // A lead books for a team (theirs, or another lead's when not the owner); everyone else
        // for the subject's resident (themself when they are that resident).
        args: (a) => ({
          input:
            a.who === 'volunteer_lead'
              ? { ...input, teamId: team.id }
              : { ...input, residentId: r.id },
        }),
      };
    },
  },
  'Mutation.cancelBooking': {
    setup: async (w) => {
      const r = await w.sharedResident();
      const id = await book(w, w.base.venue, r.id);
      return { owner: { residentId: r.id, gridId: r.gridId }, args: { input: { id } } };
    },
  },
  'Mutation.checkInBooking': {
    setup: async (w) => {
      const r = await w.sharedResident();
      const facility = await w.facility('00:00', '23:59');
      // Check-in opens half an hour before the start.
      const id = await book(w, facility, r.id, nearNow(10 * MINUTE, 30));
      return { owner: { residentId: r.id, gridId: r.gridId }, args: { input: { id } } };
    },
  },
  'Mutation.markNoShow': {
    setup: async (w) => {
      const r = await w.sharedResident();
      const facility = await w.facility('00:00', '23:59');
      // A booking can only be made for the future and marked a no-show once it has started.
      const period = nearNow(3000, 30);
      const id = await book(w, facility, r.id, period);
      await waitFor('the booking to start', () =>
        Date.now() > Date.parse(period.startsAt) + 500 ? true : undefined,
      );
      return { owner: { residentId: r.id, gridId: r.gridId }, args: { input: { id } } };
    },
  },
  'Mutation.addEquipment': {
    setup: async (w) => ({
      args: { input: { facilityId: w.base.venue, name: unique('Shoulder Wheel') } },
    }),
  },
  'Mutation.recordInspection': {
    setup: async (w) => ({
      args: { input: { equipmentId: await equipment(w), passed: true, notes: 'Bolts tightened' } },
    }),
  },
  'Mutation.reportEquipmentFault': {
    setup: async (w) => ({
      args: { input: { equipmentId: await equipment(w), description: 'Squeaks and wobbles' } },
    }),
  },
  'Mutation.completeRepair': {
    setup: async (w) => ({
      args: {
        input: { id: await reportFault(w, await equipment(w)), resolution: 'Bearing replaced' },
      },
    }),
  },
  'Mutation.addBook': {
    setup: async () => ({
      args: {
        input: {
          title: unique('Silk Road Tales'),
          author: 'Ji Xianlin',
          isbn: '9787020002207',
          copies: 2,
        },
      },
    }),
  },
  'Mutation.lendBook': {
    setup: async (w) => {
      const r = await w.sharedResident();
      return {
        owner: { residentId: r.id, gridId: r.gridId },
        args: { input: { bookId: await addBook(w), residentId: r.id, dueOn: dayFromToday(21) } },
      };
    },
  },
  'Mutation.returnBook': {
    setup: async (w) => {
      const r = await w.sharedResident();
      return {
        owner: { residentId: r.id, gridId: r.gridId },
        args: { input: { loanId: await lend(w, r.id) } },
      };
    },
  },

  // shared-spaces: reads
  'Query.partyBranches': {
    // Every member of the base branch on one page, the subject's among them.
    select:
      '{ id members(first: 100) { edges { node { id joinedOn points pointsHistory { edges { node { id delta } } } } } } }',
    setup: async (w) => {
      const r = await w.knownResident();
      const id = await registerMember(w, r.id);
      return { owner: { residentId: r.id, gridId: r.gridId }, args: {}, shows: id };
    },
  },
  'Query.sharedSpaces': {
    select: '{ id }',
    setup: async (w) => ({ args: {}, shows: w.base.space }),
  },
  'Query.activity': {
    select: '{ id }',
    setup: async (w) => {
      const id = await activity(w, false);
      return { args: { id }, shows: id };
    },
  },
  'Query.upcomingActivities': {
    select: '{ edges { node { id } } }',
    setup: async (w) => ({ args: { first: 100 }, shows: await activity(w, false) }),
  },
  'Resident.partyMembership': {
    via: 'resident',
    select: '{ id partyMembership { id points } }',
    setup: async (w) => {
      const r = await w.knownResident();
      const id = await registerMember(w, r.id);
      return { owner: { residentId: r.id, gridId: r.gridId }, args: { id: r.id }, shows: id };
    },
  },
  'Resident.activitiesAttended': {
    via: 'resident',
    select: '{ id activitiesAttended(first: 100) { edges { node { id } } } }',
    setup: async (w) => {
      const [r, id] = await Promise.all([w.sharedResident(), activity(w, true)]);
      await registerFor(w, id, r.id);
      await w.ok(`mutation($i: CheckInAttendeeInput!) { checkInAttendee(input: $i) { id } }`, {
        i: { activityId: id, residentId: r.id },
      });
      await w.ok(`mutation($i: CompleteActivityInput!) { completeActivity(input: $i) { id } }`, {
        i: { activityId: id },
      });
      return { owner: { residentId: r.id, gridId: r.gridId }, args: { id: r.id }, shows: id };
    },
  },

  // shared-spaces: changes
  'Mutation.createPartyBranch': {
    setup: async () => ({
      args: { input: { name: unique('Courtyard 3 Branch'), courtyard: true } },
    }),
  },
  'Mutation.registerPartyMember': {
    setup: async (w) => {
      const r = await w.knownResident();
      return {
        owner: { residentId: r.id, gridId: r.gridId },
        args: {
          input: {
            residentId: r.id,
            branchId: w.base.branch,
            joinedOn: '2012-07-01',
            reportedToCommunity: true,
            servicePost: 'Reading to the elderly',
          },
        },
      };
    },
  },
  'Mutation.createSharedSpace': {
    setup: async (w) => ({
      args: {
        input: {
          name: unique('Elderly Care Space'),
          theme: 'ELDERLY_CARE',
          facilityId: w.base.hall,
        },
      },
    }),
  },
  'Mutation.scheduleActivity': {
    setup: async (w) => {
      const period = w.slot(w.base.hall);
      return {
        args: {
          input: { spaceId: w.base.space, title: unique('Paper cutting'), ...period, capacity: 15 },
        },
      };
    },
  },
  'Mutation.registerForActivity': {
    self: true,
    setup: async (w) => {
      const [r, id] = await Promise.all([w.sharedResident(), activity(w, false)]);
      return { owner: { residentId: r.id, gridId: r.gridId }, args: { input: { activityId: id } } };
    },
  },
  'Mutation.cancelRegistration': {
    self: true,
    setup: async (w) => {
      const [r, id] = await Promise.all([w.sharedResident(), activity(w, false)]);
      await registerFor(w, id, r.id);
      return { owner: { residentId: r.id, gridId: r.gridId }, args: { input: { activityId: id } } };
    },
  },
  'Mutation.cancelActivity': {
    setup: async (w) => ({ args: { input: { activityId: await activity(w, false) } } }),
  },
  'Mutation.checkInAttendee': {
    setup: async (w) => {
      const [r, id] = await Promise.all([w.sharedResident(), activity(w, true)]);
      await registerFor(w, id, r.id);
      return {
        owner: { residentId: r.id, gridId: r.gridId },
        args: { input: { activityId: id, residentId: r.id } },
      };
    },
  },
  'Mutation.completeActivity': {
    setup: async (w) => {
      const [r, id] = await Promise.all([w.sharedResident(), activity(w, true)]);
      return { args: { input: { activityId: id, staffResidentIds: [r.id] } } };
    },
  },

  // volunteers: reads
  'Query.teams': {
    select: '{ id leadUserId }',
    setup: async () => ({ args: {}, shows: 'lead-stranger' }),
  },
  'Query.openOpportunities': {
    select: '{ edges { node { id shifts { id } } } }',
    setup: async (w) => {
      const team = await w.team();
      return { args: { first: 100 }, shows: await shift(w, team.id) };
    },
  },
  'Query.leaderboard': {
    select: '{ edges { node { hours resident { id } } } }',
    setup: async (w) => {
      const v = await volunteering(w, 'approved');
      return {
        args: {
          first: 100,
          from: new Date(Date.now() - 24 * HOUR).toISOString(),
          to: new Date(Date.now() + 24 * HOUR).toISOString(),
        },
        shows: v.residentId,
      };
    },
  },
  'Query.shift': {
    select: '{ id slots taken }',
    setup: async (w) => {
      const id = await shift(w, (await w.team()).id);
      return { args: { id }, shows: id };
    },
  },
  'Query.volunteer': {
    select: '{ id points }',
    setup: async (w) => {
      const r = await w.knownResident();
      const id = await registerVolunteer(w, r.id);
      return {
        owner: { residentId: r.id, gridId: r.gridId },
        args: { residentId: r.id },
        shows: id,
      };
    },
  },
  'Query.serviceRecord': {
    select: '{ id hours status }',
    setup: async (w) => {
      const v = await volunteering(w, 'checkedOut');
      return {
        owner: { residentId: v.residentId, leadUserId: v.team.leadUserId },
        args: { id: v.recordId },
        shows: v.recordId,
      };
    },
  },
  'Resident.volunteerProfile': {
    via: 'resident',
    select: '{ id volunteerProfile { id points } }',
    setup: async (w) => {
      const r = await w.knownResident();
      const id = await registerVolunteer(w, r.id);
      return { owner: { residentId: r.id, gridId: r.gridId }, args: { id: r.id }, shows: id };
    },
  },

  // volunteers: changes
  'Mutation.createTeam': {
    setup: async () => ({
      args: {
        input: {
          name: unique('Repair Team'),
          kind: 'REPAIR',
          leadUserId: unique('lead').replace(/ /g, '-'),
        },
      },
    }),
  },
  'Mutation.registerVolunteer': {
    setup: async (w) => {
      const r = await w.knownResident();
      return {
        owner: { residentId: r.id, gridId: r.gridId },
        args: {
          input: { residentId: r.id, skills: ['storytelling'], availability: 'Weekend mornings' },
        },
      };
    },
  },
  'Mutation.addTeamMember': {
    setup: async (w) => {
      const [team, r] = await Promise.all([w.team(), w.knownResident()]);
      await registerVolunteer(w, r.id);
      return {
        owner: { residentId: r.id, gridId: r.gridId, leadUserId: team.leadUserId },
        args: { input: { teamId: team.id, residentId: r.id } },
      };
    },
  },
  'Mutation.postOpportunity': {
    setup: async (w) => {
      const team = await w.team();
      return {
        owner: { leadUserId: team.leadUserId },
        args: {
          input: {
            teamId: team.id,
            kind: 'FRAUD_PREVENTION',
            title: unique('Anti-fraud stall'),
            facilityId: w.base.venue,
            shifts: [{ ...w.slot(w.base.venue), slots: 4 }],
          },
        },
      };
    },
  },
  'Mutation.signUp': {
    self: true,
    setup: async (w) => {
      const [team, r] = await Promise.all([w.team(), w.knownResident()]);
      await registerVolunteer(w, r.id);
      return {
        owner: { residentId: r.id, gridId: r.gridId, leadUserId: team.leadUserId },
        args: { input: { shiftId: await shift(w, team.id) } },
      };
    },
  },
  'Mutation.cancelSignUp': {
    self: true,
    setup: async (w) => {
      const v = await volunteering(w, 'signedUp', { soon: false });
      return {
        owner: { residentId: v.residentId, leadUserId: v.team.leadUserId },
        args: { input: { shiftId: v.shiftId } },
      };
    },
  },
  'Mutation.checkInVolunteer': {
    setup: async (w) => {
      const v = await volunteering(w, 'signedUp');
      return {
        owner: { residentId: v.residentId, leadUserId: v.team.leadUserId },
        args: { input: { shiftId: v.shiftId, residentId: v.residentId } },
      };
    },
  },
  'Mutation.checkOutVolunteer': {
    setup: async (w) => {
      const v = await volunteering(w, 'checkedIn');
      return {
        owner: { residentId: v.residentId, leadUserId: v.team.leadUserId },
        args: { input: { shiftId: v.shiftId, residentId: v.residentId } },
      };
    },
  },
  'Mutation.approveHours': {
    setup: async (w) => {
      const v = await volunteering(w, 'checkedOut');
      return {
        owner: { residentId: v.residentId, leadUserId: v.team.leadUserId },
        args: { input: { serviceRecordId: v.recordId } },
      };
    },
  },
  'Mutation.redeemPoints': {
    self: true,
    setup: async (w) => {
      const v = await volunteering(w, 'approved');
      return {
        owner: { residentId: v.residentId, leadUserId: v.team.leadUserId },
        args: { input: { points: 1, reference: 'A tea set' } },
      };
    },
  },

  // mediation: reads
  'Query.case': {
    select: '{ id }',
    setup: async (w) => {
      const c = await mediationCase(w, 'accepted');
      return { owner: c.owner, args: { id: c.caseId }, shows: c.caseId };
    },
  },
  'Query.cases': {
    select: '{ edges { node { id } } }',
    setup: async (w) => {
      const c = await mediationCase(w, 'accepted');
      return { owner: c.owner, args: { first: 100 }, shows: c.caseId };
    },
  },
  'Query.mediators': {
    select: '{ id }',
    setup: async (w) => ({ args: {}, shows: w.base.strangerMediator.id }),
  },
  'Query.overdueCases': {
    select: '{ edges { node { case { id } reason } } }',
    setup: async (w) => {
      const c = await mediationCase(w, 'accepted');
      // No call accepts a case in the past: age the acceptance where it is stored.
      await w.sql(
        'mediation',
        `UPDATE cases SET accepted_at = now() - interval '40 days' WHERE id = $1`,
        [c.caseId],
      );
      return { owner: c.owner, args: { first: 100 }, shows: c.caseId };
    },
  },
  'Query.mediationStats': {
    select: '{ total byCategory { key count } }',
    setup: async (w) => {
      await mediationCase(w, 'filed');
      return {
        args: { from: dayFromToday(-1), to: dayFromToday(1) },
        shows: (v) => typeof v === 'object' && v !== null && (v as { total: number }).total > 0,
      };
    },
  },
  'Resident.mediationCases': {
    via: 'resident',
    // The parties of every case of the table are the same two residents: a page of all of them.
    select: '{ id mediationCases(first: 100) { edges { node { id } } } }',
    setup: async (w) => {
      const c = await mediationCase(w, 'accepted');
      return { owner: c.owner, args: { id: c.applicant }, shows: c.caseId };
    },
  },

  // mediation: changes
  'Mutation.fileCase': {
    setup: async (w) => {
      const [a, b] = w.base.parties;
      return { owner: { residentId: a }, args: { input: caseInput(a, b) } };
    },
  },
  'Mutation.acceptCase': {
    setup: async (w) => {
      const c = await mediationCase(w, 'filed');
      return { owner: c.owner, args: { input: { id: c.caseId } } };
    },
  },
  'Mutation.declineCase': {
    setup: async (w) => {
      const c = await mediationCase(w, 'filed');
      return { owner: c.owner, args: { input: { id: c.caseId, reason: 'Not a civil dispute' } } };
    },
  },
  'Mutation.assignMediator': {
    setup: async (w) => {
      const [c, m] = await Promise.all([mediationCase(w, 'filed'), w.mediator()]);
      return {
        owner: c.owner,
        args: { input: { caseId: c.caseId, mediatorId: m.id, chosenByParties: true } },
      };
    },
  },
  'Mutation.startMediation': {
    setup: async (w) => {
      const c = await mediationCase(w, 'accepted');
      return { owner: c.owner, args: { input: { id: c.caseId } } };
    },
  },
  'Mutation.recordSession': {
    setup: async (w) => {
      const c = await mediationCase(w, 'mediating');
      return {
        owner: c.owner,
        args: {
          input: {
            caseId: c.caseId,
            heldAt: new Date(Date.now() - HOUR).toISOString(),
            attendeeIds: [c.applicant, c.respondent],
            record: 'Both parties heard; a site visit is agreed',
          },
        },
      };
    },
  },
  'Mutation.reachAgreement': {
    setup: async (w) => {
      const c = await mediationCase(w, 'mediating');
      return {
        owner: c.owner,
        args: {
          input: {
            caseId: c.caseId,
            agreement: {
              form: 'WRITTEN',
              terms: 'The fence moves back',
              signedOn: dayFromToday(0),
            },
          },
        },
      };
    },
  },
  'Mutation.failMediation': {
    setup: async (w) => {
      const c = await mediationCase(w, 'mediating');
      return { owner: c.owner, args: { input: { caseId: c.caseId, reason: 'No common ground' } } };
    },
  },
  'Mutation.withdrawCase': {
    setup: async (w) => {
      const c = await mediationCase(w, 'accepted');
      return { owner: c.owner, args: { input: { caseId: c.caseId } } };
    },
  },
  'Mutation.refuseMediation': {
    setup: async (w) => {
      const c = await mediationCase(w, 'accepted');
      return { owner: c.owner, args: { input: { caseId: c.caseId } } };
    },
  },
  'Mutation.closeCase': {
    setup: async (w) => {
      const c = await mediationCase(w, 'mediating');
      await w.ok(
        `mutation($c: ID!) { failMediation(input: { caseId: $c, reason: "No agreement" }) { id } }`,
        { c: c.caseId },
      );
      return { owner: c.owner, args: { input: { caseId: c.caseId } } };
    },
  },
  'Mutation.removeParty': {
    setup: async (w) => {
      const c = await mediationCase(w, 'filed');
      const read = await w.ok(`query($id: ID!) { case(id: $id) { parties { id role } } }`, {
        id: c.caseId,
      });
      const parties = read.parties as { id: string; role: string }[];
      const partyId = parties.find((p) => p.role === 'RESPONDENT')!.id;
      return { owner: c.owner, args: { input: { caseId: c.caseId, partyId } } };
    },
  },
  'Mutation.recordFollowUp': {
    setup: async (w) => {
      const c = await mediationCase(w, 'agreed');
      const read = await w.ok(`query($id: ID!) { case(id: $id) { followUps { id } } }`, {
        id: c.caseId,
      });
      const followUpId = (read.followUps as { id: string }[])[0]!.id;
      return { owner: c.owner, args: { input: { followUpId, outcome: 'The agreement holds' } } };
    },
  },
  'Mutation.addMediator': {
    setup: async () => ({
      args: {
        input: {
          name: unique('Zhang Min'),
          userId: unique('med').replace(/ /g, '-'),
          specialties: ['FAMILY', 'PROPERTY'],
        },
      },
    }),
  },
};
