import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  REGISTER_RESIDENT,
  dataOf,
  residentInput,
  seedHousehold,
} from '../support/registry-fixtures';
import { postGraphQL, type GqlResult } from '../support/stack';
import { startSystem, type LogLine, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { untilKnown } from '../support/references';
import { inDaysAt } from '../support/time';

const newTraceparent = () =>
  `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;

/** One query for one resident's whole picture, across the five subgraphs. */
const WHOLE_RESIDENT = `query($id: ID!) { resident(id: $id) {
  name idCardNumber(purpose: "whole-resident check") phone(purpose: "whole-resident check") birthDate
  household { address } grid { name }
  bookings { edges { node { status } } } loans { edges { node { book { title } } } }
  partyMembership { status } activitiesAttended { edges { node { title } } }
  volunteerProfile { approvedHours points teams { name } }
  mediationCases { edges { node { summary } } }
} }`;

interface Whole {
  name: string;
  idCardNumber: string;
  phone: string | null;
  birthDate: string | null;
  household: { address: string };
  grid: { name: string };
  bookings: { edges: { node: { status: string } }[] } | null;
  loans: { edges: { node: { book: { title: string } } }[] } | null;
  partyMembership: { status: string } | null;
  activitiesAttended: { edges: { node: { title: string } }[] } | null;
  volunteerProfile: { approvedHours: number; points: number; teams: { name: string }[] } | null;
  mediationCases: { edges: { node: { summary: string } }[] };
}

/**
 * The whole-resident query for each role, the statement bound of a list with extension fields from
 * four subgraphs, and one trace id followed from a mutation through the services' logs.
 */
describe('the whole system seen by its users', () => {
  let sys: TestSystem;
  let staff: string;
  const subject = { id: '', gridId: '', idCardNumber: '', phone: '13987654321', householdId: '' };
  const q = <T>(query: string, variables: Record<string, unknown> = {}, token?: string) =>
    sys.gw.data<T>(query, variables, token);

  beforeAll(async () => {
    sys = await startSystem();
    staff = await sys.gw.token(['staff']);
    const asStaff = <T>(query: string, v: Record<string, unknown> = {}) => q<T>(query, v, staff);
    const { householdId, gridId } = await seedHousehold((query, v) =>
      sys.gw.query(query, v, staff),
    );
    const input = residentInput(householdId, { name: 'Han Yuzhen', phone: subject.phone });
    const r = dataOf<{ id: string }>(
      await sys.gw.query(REGISTER_RESIDENT, { input }, staff),
      'registerResident',
    );
    Object.assign(subject, {
      id: r.id,
      gridId,
      householdId,
      idCardNumber: input.idCardNumber as string,
    });
    const self = await sys.gw.token(['resident'], { residentId: r.id, sub: `resident-${r.id}` });
    const secretary = await sys.gw.token(['party_secretary']);
    const manager = await sys.gw.token(['facility_manager']);

    // Facilities: a booking and a loan.
    const room = (
      await asStaff<{ addFacility: { id: string } }>(
        `mutation { addFacility(input: { name: "Reading Room", kind: LIBRARY, capacity: 30, opensAt: "08:00", closesAt: "21:00", location: "Block A" }) { id } }`,
      )
    ).addFacility.id;
    // Every service that names the resident or the room has heard of them from the events.
    await untilKnown(
      (['facilities', 'shared-spaces', 'volunteers', 'mediation'] as const).map(
        (s) => sys.services[s].service,
      ),
      'residents',
      [r.id],
    );
    await untilKnown(
      [sys.services['shared-spaces'].service, sys.services.volunteers.service],
      'facilities',
      [room],
    );
    await q(
      `mutation($f: ID!, $a: DateTime!, $b: DateTime!) { bookFacility(input: { facilityId: $f, startsAt: $a, endsAt: $b, attendees: 4, purpose: "Study group" }) { id } }`,
      { f: room, a: inDaysAt(4, 9), b: inDaysAt(4, 10) },
      self,
    );
    const book = (
      await q<{ addBook: { id: string } }>(
        `mutation { addBook(input: { title: "The Silk Road", author: "Valerie Hansen", copies: 2 }) { id } }`,
        {},
        manager,
      )
    ).addBook.id;
    await asStaff(
      `mutation($b: ID!, $r: ID!) { lendBook(input: { bookId: $b, residentId: $r }) { id } }`,
      { b: book, r: r.id },
    );
    // Shared spaces: a party member who attended and staffed an activity.
    const branch = (
      await q<{ createPartyBranch: { id: string } }>(
        `mutation { createPartyBranch(input: { name: "Courtyard 2 Branch", courtyard: true }) { id } }`,
        {},
        secretary,
      )
    ).createPartyBranch.id;
    await q(
      `mutation($r: ID!, $b: ID!) { registerPartyMember(input: { residentId: $r, branchId: $b, joinedOn: "2012-07-01" }) { id } }`,
      { r: r.id, b: branch },
      secretary,
    );
    const space = (
      await q<{ createSharedSpace: { id: string } }>(
        `mutation($f: ID!) { createSharedSpace(input: { name: "Reading Corner", theme: READING, facilityId: $f }) { id } }`,
        { f: room },
        secretary,
      )
    ).createSharedSpace.id;
    const activity = (
      await q<{ scheduleActivity: { id: string } }>(
        `mutation($s: ID!, $a: DateTime!, $b: DateTime!) { scheduleActivity(input: { spaceId: $s,
          title: "Parent-child reading hour", startsAt: $a, endsAt: $b, capacity: 20 }) { id } }`,
        { s: space, a: inDaysAt(2, 14), b: inDaysAt(2, 16) },
        secretary,
      )
    ).scheduleActivity.id;
    await waitFor('the reading hour confirmed', async () => {
      const a = await q<{ activity: { status: string } }>(
        `query($id: ID!) { activity(id: $id) { status } }`,
        { id: activity },
      );
      return a.activity.status === 'CONFIRMED' ? true : undefined;
    });
    await q(`mutation { registerVolunteer(input: { skills: ["storytelling"] }) { id } }`, {}, self);
    const team = (
      await asStaff<{ createTeam: { id: string } }>(
        `mutation { createTeam(input: { name: "Mom's Team", kind: GROUP, leadUserId: "lead-whole" }) { id } }`,
      )
    ).createTeam.id;
    await asStaff(
      `mutation($t: ID!, $r: ID!) { addTeamMember(input: { teamId: $t, residentId: $r }) { id } }`,
      {
        t: team,
        r: r.id,
      },
    );
    await q(
      `mutation($a: ID!) { registerForActivity(input: { activityId: $a }) { id } }`,
      { a: activity },
      self,
    );
    await q(
      `mutation($a: ID!, $r: ID!) { checkInAttendee(input: { activityId: $a, residentId: $r }) { id } }`,
      { a: activity, r: r.id },
      secretary,
    );
    await q(
      `mutation($a: ID!, $s: [ID!]) { completeActivity(input: { activityId: $a, staffResidentIds: $s }) { id } }`,
      { a: activity, s: [r.id] },
      secretary,
    );
    const record = await waitFor('the hours logged', async () => {
      const p = await q<{
        resident: { volunteerProfile: { serviceRecords: { edges: { node: { id: string } }[] } } };
      }>(
        `query($id: ID!) { resident(id: $id) { volunteerProfile { serviceRecords { edges { node { id } } } } } }`,
        { id: r.id },
        self,
      );
      return p.resident.volunteerProfile.serviceRecords.edges[0]?.node.id;
    });
    await asStaff(`mutation($s: ID!) { approveHours(input: { serviceRecordId: $s }) { id } }`, {
      s: record,
    });
    // Mediation: a case she is party to, with an assigned mediator.
    const other = await seedHousehold((query, v) => sys.gw.query(query, v, staff));
    const neighbour = dataOf<{ id: string }>(
      await sys.gw.query(
        REGISTER_RESIDENT,
        { input: residentInput(other.householdId, { name: 'Ma Jun' }) },
        staff,
      ),
      'registerResident',
    );
    await untilKnown([sys.services.mediation.service], 'residents', [neighbour.id]);
    const filed = await asStaff<{ fileCase: { id: string } }>(
      `mutation($a: ID!, $b: ID!) { fileCase(input: { category: NEIGHBOUR, source: COMMITTEE, summary: "A fence between two gardens",
        parties: [{ residentId: $a, role: APPLICANT }, { residentId: $b, role: RESPONDENT }] }) { id } }`,
      { a: r.id, b: neighbour.id },
    );
    const mediator = (
      await asStaff<{ addMediator: { id: string } }>(
        `mutation { addMediator(input: { name: "Tian Hui", userId: "mediator-whole" }) { id } }`,
      )
    ).addMediator.id;
    await asStaff(
      `mutation($c: ID!, $m: ID!) { assignMediator(input: { caseId: $c, mediatorId: $m }) { id } }`,
      {
        c: filed.fileCase.id,
        m: mediator,
      },
    );
    // Everything event-driven has landed: party points for attendance and service.
    await waitFor('party points credited', async () => {
      const p = await q<{ resident: { partyMembership: { points: number } } }>(
        `query($id: ID!) { resident(id: $id) { partyMembership { points } } }`,
        { id: r.id },
        self,
      );
      return p.resident.partyMembership.points === 4 ? true : undefined;
    });
  });
  afterAll(async () => {
    await sys.stop();
  });

  it('when each role asks for the whole resident, then each sees exactly what its role allows', async () => {
    const full = {
      bookings: { edges: [{ node: { status: 'CONFIRMED' } }] },
      loans: { edges: [{ node: { book: { title: 'The Silk Road' } } }] },
      party: { status: 'ACTIVE' },
      attended: { edges: [{ node: { title: 'Parent-child reading hour' } }] },
      volunteer: { approvedHours: 2, points: 20, teams: [{ name: "Mom's Team" }] },
      cases: { edges: [{ node: { summary: 'A fence between two gardens' } }] },
    };
    const maskedId = expect.stringMatching(/^\d{4}\*{10}\d{3}[\dX]$/);
    const maskedPhone = '139****4321';
    const roles: {
      who: string;
      token: () => Promise<string>;
      idCard: unknown;
      phone: unknown;
      birthDate: boolean;
      facilities: boolean;
      party: boolean;
      volunteer: boolean;
      cases: boolean;
    }[] = [
      {
        who: 'the resident',
        token: () =>
          sys.gw.token(['resident'], { residentId: subject.id, sub: `resident-${subject.id}` }),
        idCard: maskedId,
        phone: subject.phone,
        birthDate: true,
        facilities: true,
        party: true,
        volunteer: true,
        cases: true,
      },
      {
        who: 'staff',
        token: () => sys.gw.token(['staff'], { sub: 'staff-whole' }),
        idCard: subject.idCardNumber,
        phone: subject.phone,
        birthDate: true,
        facilities: true,
        party: true,
        volunteer: true,
        cases: true,
      },
      {
        who: "the grid's member",
        token: () => sys.gw.token(['grid_member'], { gridIds: [subject.gridId] }),
        idCard: maskedId,
        phone: subject.phone,
        birthDate: false,
        facilities: false,
        party: false,
        volunteer: false,
        cases: false,
      },
      {
        who: 'a facility manager',
        token: () => sys.gw.token(['facility_manager']),
        idCard: maskedId,
        phone: maskedPhone,
        birthDate: false,
        facilities: true,
        party: false,
        volunteer: false,
        cases: false,
      },
      {
        who: 'a party secretary',
        token: () => sys.gw.token(['party_secretary']),
        idCard: maskedId,
        phone: maskedPhone,
        birthDate: false,
        facilities: false,
        party: true,
        volunteer: false,
        cases: false,
      },
      {
        who: 'a volunteer lead',
        token: () => sys.gw.token(['volunteer_lead'], { sub: 'lead-whole' }),
        idCard: maskedId,
        phone: maskedPhone,
        birthDate: false,
        facilities: false,
        party: false,
        volunteer: true,
        cases: false,
      },
      {
        who: "the case's mediator",
        token: () => sys.gw.token(['mediator'], { sub: 'mediator-whole' }),
        idCard: maskedId,
        phone: maskedPhone,
        birthDate: false,
        facilities: false,
        party: false,
        volunteer: false,
        cases: true,
      },
      {
        who: 'another mediator',
        token: () => sys.gw.token(['mediator'], { sub: 'mediator-elsewhere' }),
        idCard: maskedId,
        phone: maskedPhone,
        birthDate: false,
        facilities: false,
        party: false,
        volunteer: false,
        cases: false,
      },
    ];
    for (const role of roles) {
      const res = await sys.gw.query<{ resident: Whole }>(
        WHOLE_RESIDENT,
        { id: subject.id },
        await role.token(),
      );
      expect({ who: role.who, errors: res.errors }).toEqual({ who: role.who, errors: undefined });
      expect({ who: role.who, resident: res.data!.resident }).toEqual({
        who: role.who,
        resident: {
          name: 'Han Yuzhen',
          idCardNumber: role.idCard,
          phone: role.phone,
          birthDate: role.birthDate ? '1962-05-17' : null,
          household: { address: expect.any(String) },
          grid: { name: expect.any(String) },
          bookings: role.facilities ? full.bookings : null,
          loans: role.facilities ? full.loans : null,
          partyMembership: role.party ? full.party : null,
          activitiesAttended: role.party ? full.attended : null,
          volunteerProfile: role.volunteer ? full.volunteer : null,
          mediationCases: role.cases ? full.cases : { edges: [] },
        },
      });
    }
    // Staff read the ID-card number and phone unmasked: both reads are in the audit.
    const admin = await sys.gw.token(['admin']);
    const audit = await q<{
      personalDataAudit: {
        edges: { node: { field: string; actorUserId: string; purpose: string } }[];
      };
    }>(
      `query($r: ID!) { personalDataAudit(filter: { residentId: $r, actorUserId: "staff-whole" }) { edges { node { field actorUserId purpose } } } }`,
      { r: subject.id },
      admin,
    );
    expect(audit.personalDataAudit.edges.map((e) => e.node.field).sort()).toEqual([
      'idCardNumber',
      'phone',
    ]);

    // Outside their reach: another grid's member and another resident are refused; no token, no data.
    for (const token of [
      await sys.gw.token(['grid_member'], { gridIds: ['00000000-0000-4000-8000-000000000000'] }),
      await sys.gw.token(['resident'], {
        residentId: '00000000-0000-4000-8000-000000000001',
        sub: 'someone-else',
      }),
    ]) {
      const res = await sys.gw.query(WHOLE_RESIDENT, { id: subject.id }, token);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(JSON.stringify(res)).not.toContain(subject.phone);
    }
    const anonymous = await sys.gw.query(WHOLE_RESIDENT, { id: subject.id });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('when a page of residents asks for fields from four subgraphs, then each subgraph gets one fetch and the same statements for 10 or 100 residents', async () => {
    // A grid of its own with 100 residents (ten households of ten).
    const { gridId, buildingId } = await seedHousehold((query, v) => sys.gw.query(query, v, staff));
    const branch = (
      await q<{ createPartyBranch: { id: string } }>(
        `mutation { createPartyBranch(input: { name: "Block 9 Branch", courtyard: false }) { id } }`,
        {},
        staff,
      )
    ).createPartyBranch.id;
    const team = (
      await q<{ createTeam: { id: string } }>(
        `mutation { createTeam(input: { name: "Block 9 Volunteers", kind: VOLUNTEERS, leadUserId: "lead-9" }) { id } }`,
        {},
        staff,
      )
    ).createTeam.id;
    const involved: string[] = [];
    for (let h = 0; h < 10; h++) {
      const household = dataOf<{ id: string }>(
        await sys.gw.query(
          `mutation($b: ID!, $room: String!) { registerHousehold(input: { buildingId: $b, unit: "2", room: $room }) { id } }`,
          { b: buildingId, room: `${h + 1}01` },
          staff,
        ),
        'registerHousehold',
      );
      const ids = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          sys.gw
            .query(
              REGISTER_RESIDENT,
              { input: residentInput(household.id, { name: `Resident ${h}-${i}` }) },
              staff,
            )
            .then((res) => dataOf<{ id: string }>(res, 'registerResident').id),
        ),
      );
      // The first and last households hold party members and volunteers in a team, so every
      // page, whichever end it starts from, has rows to load in each subgraph.
      if (h === 0 || h === 9) involved.push(...ids.slice(0, 3));
    }
    for (const id of involved) {
      await q(
        `mutation($r: ID!, $b: ID!) { registerPartyMember(input: { residentId: $r, branchId: $b, joinedOn: "2020-07-01" }) { id } }`,
        { r: id, b: branch },
        staff,
      );
      await waitFor('volunteers to know the resident', async () => {
        const res = await sys.gw.query(
          `mutation($r: ID!) { registerVolunteer(input: { residentId: $r }) { id } }`,
          { r: id },
          staff,
        );
        return res.errors ? undefined : true;
      });
      await q(
        `mutation($t: ID!, $r: ID!) { addTeamMember(input: { teamId: $t, residentId: $r }) { id } }`,
        {
          t: team,
          r: id,
        },
        staff,
      );
    }
    const page = (n: number) => `query($g: ID!) { residents(first: ${n}, filter: { gridId: $g }) {
      edges { node { id name
        bookings { edges { node { id } } } loans { edges { node { id } } }
        partyMembership { status } activitiesAttended { edges { node { id } } }
        volunteerProfile { points approvedHours teams { name } }
        mediationCases { edges { node { id } } } } } } }`;
    const fetchesOf = async (n: number) => {
      const traceparent = newTraceparent();
      const traceId = traceparent.split('-')[1]!;
      const res = await postGraphQL<{ residents: { edges: unknown[] } }>(
        sys.gw.url,
        page(n),
        { g: gridId },
        { authorization: `Bearer ${staff}`, traceparent },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!.residents.edges).toHaveLength(n);
      const volunteers = (
        res.data!.residents.edges as {
          node: { volunteerProfile: unknown; partyMembership: unknown };
        }[]
      ).filter((e) => e.node.volunteerProfile !== null && e.node.partyMembership !== null);
      expect(volunteers.length).toBeGreaterThan(0);
      const ops = (lines: LogLine[]) =>
        lines.filter((l) => l.msg === 'graphql operation' && l.traceId === traceId);
      return Object.fromEntries(
        (['residents', 'facilities', 'shared-spaces', 'volunteers', 'mediation'] as const).map(
          (name) => [
            name,
            ops(sys.logs[name]).map((l) => ({ fields: l.fields, statements: l.statements })),
          ],
        ),
      );
    };
    const ten = await fetchesOf(10);
    const hundred = await fetchesOf(100);
    for (const name of ['facilities', 'shared-spaces', 'volunteers', 'mediation'] as const) {
      expect({ name, fetches: hundred[name]!.map((f) => f.fields) }).toEqual({
        name,
        fetches: [['_entities']],
      });
      // Bounded: one statement per kind of row asked for, the same for 10 residents as for 100.
      expect({ name, statements: hundred[name]![0]!.statements }).toEqual({
        name,
        statements: ten[name]![0]!.statements,
      });
      expect(hundred[name]![0]!.statements).toBeLessThanOrEqual(4);
    }
    expect(hundred.residents).toEqual([{ fields: ['residents'], statements: expect.any(Number) }]);
    expect(hundred.residents![0]!.statements).toBe(ten.residents![0]!.statements);
  });

  it('when a dispute is filed with a trace id, then that one id follows it through the gateway, residents, Kafka and mediation and back', async () => {
    const traceparent = newTraceparent();
    const traceId = traceparent.split('-')[1]!;
    const self = await sys.gw.token(['resident'], {
      residentId: subject.id,
      sub: `resident-${subject.id}`,
    });
    const res: GqlResult<{ fileServiceRequest: { id: string } }> = await postGraphQL(
      sys.gw.url,
      `mutation { fileServiceRequest(input: { type: DISPUTE, description: "Parking in front of the gate" }) { id } }`,
      {},
      { authorization: `Bearer ${self}`, traceparent },
    );
    expect(res.errors).toBeUndefined();
    const has = (service: keyof TestSystem['logs'], match: (l: LogLine) => boolean) =>
      sys.logs[service].some((l) => l.traceId === traceId && match(l));
    await waitFor('the case filed back at residents', async () =>
      has('residents', (l) => l.msg === 'event consumed' && l.eventType === 'CaseFiled')
        ? true
        : undefined,
    );
    const hops = {
      gateway: has('gateway', (l) => l.msg === 'graphql operation' && l.type === 'mutation'),
      residentsMutation: has(
        'residents',
        (l) => l.msg === 'graphql operation' && (l.fields ?? []).includes('fileServiceRequest'),
      ),
      residentsPublished: has(
        'residents',
        (l) => l.msg === 'event published' && l.eventType === 'ServiceRequestFiled',
      ),
      mediationConsumed: has(
        'mediation',
        (l) =>
          l.msg === 'event consumed' &&
          l.eventType === 'ServiceRequestFiled' &&
          l.outcome === 'applied',
      ),
      mediationPublished: has(
        'mediation',
        (l) => l.msg === 'event published' && l.eventType === 'CaseFiled',
      ),
      residentsConsumed: has(
        'residents',
        (l) => l.msg === 'event consumed' && l.eventType === 'CaseFiled' && l.outcome === 'applied',
      ),
    };
    expect(hops).toEqual({
      gateway: true,
      residentsMutation: true,
      residentsPublished: true,
      mediationConsumed: true,
      mediationPublished: true,
      residentsConsumed: true,
    });
    // No personal data in any log line of the whole run.
    const everything = JSON.stringify(sys.logs);
    expect(everything).not.toContain(subject.idCardNumber);
    expect(everything).not.toContain(subject.phone);
  });
  it('when the operations the README offers frontend developers are run with their roles, then each answers without errors', async () => {
    const operation = (name: string) =>
      readFileSync(join(__dirname, '..', 'operations', `${name}.graphql`), 'utf8');
    const self = await sys.gw.token(['resident'], {
      residentId: subject.id,
      sub: `resident-${subject.id}`,
    });
    const member = await sys.gw.token(['grid_member'], { gridIds: [subject.gridId] });

    const whole = await sys.gw.query<{ resident: { name: string; partyMembership: unknown } }>(
      operation('WholeResident'),
      { id: subject.id },
      staff,
    );
    expect(whole.errors).toBeUndefined();
    expect(whole.data!.resident).toMatchObject({
      name: 'Han Yuzhen',
      partyMembership: { branch: { name: 'Courtyard 2 Branch' }, points: 4 },
      volunteerProfile: { approvedHours: 2 },
      mediationCases: {
        edges: expect.arrayContaining([{ node: { category: 'NEIGHBOUR', status: 'FILED' } }]),
      },
    });

    const round = await sys.gw.query<{
      residents: { totalCount: number; edges: { node: { name: string; phone: string } }[] };
    }>(operation('GridRound'), { gridId: subject.gridId }, member);
    expect(round.errors).toBeUndefined();
    expect(round.data!.residents.edges.map((e) => e.node)).toContainEqual({
      name: 'Han Yuzhen',
      age: expect.any(Number),
      phone: subject.phone,
    });

    // The resident app does not pass its own id: `me` finds the record, the other subgraphs'
    // fields on it come through the federation.
    const home = await sys.gw.query<{
      me: {
        resident: { name: string; bookings: { edges: unknown[] }; volunteerProfile: unknown };
      };
      upcomingActivities: { edges: unknown[] };
    }>(operation('ResidentHome'), {}, self);
    expect(home.errors).toBeUndefined();
    expect(home.data!.me.resident.name).toBe('Han Yuzhen');
    expect(home.data!.me.resident.bookings.edges).toHaveLength(1);
    expect(home.data!.me.resident.volunteerProfile).not.toBeNull();
  });
});
