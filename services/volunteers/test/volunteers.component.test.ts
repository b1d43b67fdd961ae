import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import type { Caller, RunningService } from '@liyuan/kit';
import {
  ActivityCompleted,
  EquipmentFaultReported,
  FACILITIES_TOPICS,
  RESIDENTS_TOPICS,
  ResidentMovedOut,
  ResidentRegistered,
  SHARED_SPACES_TOPICS,
} from '@liyuan/schemas';
import { seedVolunteersDemo } from '../src/data/demo-seed';
import { envelopeFor, publishEnvelope, testKafka, testTopic } from '@liyuan/test-support/kafka';
import {
  callSubgraph,
  caller,
  silentLogger,
  startTestService,
  type GqlResult,
} from '@liyuan/test-support/stack';
import { waitFor } from '@liyuan/test-support/wait';
import { announceFacility } from '@liyuan/test-support/references';
import { expectPageBoundsRefused, readAllPages } from '@liyuan/test-support/pages';
import { underEntity } from '@liyuan/test-support/entity-pages';

const HOUR = 3_600_000;

/** Volunteers, sign-ups, hours and the time bank on real PostgreSQL and Kafka. */
describe('volunteers', () => {
  let service: RunningService;
  let stop: () => Promise<void>;
  let producer: Producer;
  const lead = caller(['volunteer_lead'], { userId: 'lead-1' });
  const staff = caller(['staff']);
  const ok = <T>(res: GqlResult, field: string): T => {
    const v = (res.data as Record<string, T> | null)?.[field];
    if (v === undefined || v === null) throw new Error(`${field}: ${JSON.stringify(res.errors)}`);
    return v;
  };
  const sql = <T>(text: string, params: unknown[] = []) =>
    service.db.dataSource.query(text, params) as Promise<T[]>;
  const volunteer = async () => {
    const residentId = randomUUID();
    const me = caller(['resident'], { residentId });
    ok(
      await callSubgraph(
        service,
        me,
        `mutation { registerVolunteer(input: { skills: ["first aid"] }) { id } }`,
      ),
      'registerVolunteer',
    );
    return me;
  };
  let teamId: string;

  beforeAll(async () => {
    ({ service, stop } = await startTestService('volunteers'));
    await service.eventsReady;
    producer = testKafka().producer();
    await producer.connect();
    teamId = ok<{ id: string }>(
      await callSubgraph(
        service,
        staff,
        `mutation { createTeam(input: { name: "Mom's Team", kind: GROUP, leadUserId: "lead-1" }) { id } }`,
      ),
      'createTeam',
    ).id;
  });
  afterAll(async () => {
    await producer.disconnect();
    await stop();
  });

  /** Posts an opportunity with one shift per entry of `shifts` ([slots, starts in hours]); returns the shift ids. */
  const postShifts = async (shifts: [number, number][], now = Date.now()) =>
    ok<{ id: string; shifts: { id: string }[] }>(
      await callSubgraph(
        service,
        lead,
        `mutation($t: ID!, $s: [ShiftInput!]!) { postOpportunity(input: { teamId: $t, kind: HYGIENE_DRIVE,
          title: "Clean the square", shifts: $s }) { id shifts { id } } }`,
        {
          t: teamId,
          s: shifts.map(([slots, startsInHours]) => ({
            startsAt: new Date(now + startsInHours * HOUR).toISOString(),
            endsAt: new Date(now + (startsInHours + 2) * HOUR).toISOString(),
            slots,
          })),
        },
      ),
      'postOpportunity',
    ).shifts.map((s) => s.id);
  const post = async (slots: number, startsInHours = 24) =>
    (await postShifts([[slots, startsInHours]]))[0]!;
  const signUp = (who: Caller, shiftId: string) =>
    callSubgraph(
      service,
      who,
      `mutation($id: ID!) { signUp(input: { shiftId: $id }) { id taken } }`,
      {
        id: shiftId,
      },
    );

  it('when 20 volunteers sign up at once for a shift of 3 slots, then exactly 3 are signed up', async () => {
    const id = await post(3);
    const people = await Promise.all(Array.from({ length: 20 }, () => volunteer()));
    const results = await Promise.all(people.map((p) => signUp(p, id)));
    expect(results.filter((r) => !r.errors)).toHaveLength(3);
    expect(results.filter((r) => r.errors?.[0]?.extensions?.code === 'CONFLICT')).toHaveLength(17);
    const rows = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM signups WHERE shift_id = $1 AND status = 'signed_up'`,
      [id],
    );
    expect(rows[0]!.n).toBe(3);
  });

  it('when an opportunity runs in shifts, then each shift fills on its own, overlapping sign-ups are refused and a withdrawal frees the slot', async () => {
    // Listed soonest first: 48h (1 slot), 49h (2 slots), 52h (2 slots).
    const [morning, overlapping, afternoon] = await postShifts([
      [1, 48],
      [2, 52],
      [2, 49],
    ]);
    const opportunity = await callSubgraph(
      service,
      caller([]),
      `query { openOpportunities(first: 100) { edges { node { id slots startsAt endsAt shifts { id slots taken startsAt } } } } }`,
    );
    const mine = (
      opportunity.data as {
        openOpportunities: {
          edges: {
            node: {
              slots: number;
              startsAt: string;
              endsAt: string;
              shifts: { id: string; slots: number; taken: number; startsAt: string }[];
            };
          }[];
        };
      }
    ).openOpportunities.edges
      .map(({ node }) => node)
      .find((o) => o.shifts.some((s) => s.id === morning));
    expect(mine?.slots).toBe(5);
    expect(mine?.shifts.map((s) => [s.slots, s.taken])).toEqual([
      [1, 0],
      [2, 0],
      [2, 0],
    ]);
    const starts = mine!.shifts.map((s) => Date.parse(s.startsAt));
    expect(starts).toEqual([...starts].sort((x, y) => x - y));
    expect(Date.parse(mine!.endsAt) - Date.parse(mine!.startsAt)).toBe(6 * HOUR);

    const [a, b] = await Promise.all([volunteer(), volunteer()]);
    expect(ok<{ taken: number }>(await signUp(a, morning!), 'signUp').taken).toBe(1);
    expect((await signUp(b, morning!)).errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      field: 'input.shiftId',
    });
    // The afternoon shift has its own slots.
    ok(await signUp(b, afternoon!), 'signUp');
    ok(await signUp(a, afternoon!), 'signUp');
    // 49h–51h overlaps a's 48h–50h morning shift.
    const overlap = await signUp(a, overlapping!);
    expect(overlap.errors?.[0]?.message).toMatch(/overlapping/);
    const profile = await callSubgraph(
      service,
      a,
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Resident {
        volunteerProfile { upcomingShifts { edges { node { id } } } } } } }`,
      { r: [{ __typename: 'Resident', id: a.residentId }] },
    );
    expect(profile.data).toEqual({
      _entities: [
        {
          volunteerProfile: {
            upcomingShifts: { edges: [{ node: { id: morning } }, { node: { id: afternoon } }] },
          },
        },
      ],
    });

    ok(
      await callSubgraph(
        service,
        a,
        `mutation($id: ID!) { cancelSignUp(input: { shiftId: $id }) { taken } }`,
        {
          id: morning,
        },
      ),
      'cancelSignUp',
    );
    expect(ok<{ taken: number }>(await signUp(b, morning!), 'signUp').taken).toBe(1);
    // Withdrawn from the morning, a may now take the overlapping shift.
    ok(await signUp(a, overlapping!), 'signUp');
  });

  it('when volunteers sign up (one of them twice), withdraw and move out, then each change publishes one ShiftSlotsChanged with counts and no volunteer, and the shift reads as it stands', async () => {
    const id = await post(3);
    const [a, b] = await Promise.all([volunteer(), volunteer()]);
    ok(await signUp(a, id), 'signUp');
    ok(await signUp(a, id), 'signUp');
    ok(await signUp(b, id), 'signUp');
    ok(
      await callSubgraph(
        service,
        a,
        `mutation($id: ID!) { cancelSignUp(input: { shiftId: $id }) { taken } }`,
        { id },
      ),
      'cancelSignUp',
    );
    await publishEnvelope(
      producer,
      RESIDENTS_TOPICS.resident,
      envelopeFor(ResidentMovedOut, b.residentId!, {
        residentId: b.residentId!,
        householdId: randomUUID(),
        gridId: randomUUID(),
        movedOutOn: '2026-11-26',
      }),
    );
    const events = () =>
      sql<{ data: Record<string, unknown> }>(
        `SELECT envelope->'data' AS data FROM outbox_events WHERE type = 'ShiftSlotsChanged' AND aggregate_id = $1 ORDER BY seq`,
        [id],
      );
    await waitFor('the move-out published', async () =>
      (await events()).length === 4 ? true : undefined,
    );
    const opportunityId = (
      await sql<{ id: string }>(`SELECT opportunity_id AS id FROM shifts WHERE id = $1`, [id])
    )[0]!.id;
    expect((await events()).map((e) => e.data)).toEqual(
      [1, 2, 1, 0].map((taken) => ({ shiftId: id, opportunityId, slots: 3, taken })),
    );
    const read = await callSubgraph(
      service,
      caller([]),
      `query($id: ID!) { shift(id: $id) { id slots taken opportunity { id } } }`,
      { id },
    );
    expect(read.data).toEqual({
      shift: { id, slots: 3, taken: 0, opportunity: { id: opportunityId } },
    });
    expect(
      (await callSubgraph(service, caller([]), `{ shift(id: "${randomUUID()}") { id } }`)).data,
    ).toEqual({ shift: null });
    expect(
      (await callSubgraph(service, caller([]), `{ shift(id: "nope") { id } }`)).errors?.[0]
        ?.extensions,
    ).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  it("when a volunteer's profile or service record is read by id, then the volunteer, leads and staff see it, another resident is FORBIDDEN and an anonymous caller UNAUTHENTICATED", async () => {
    const me = await volunteer();
    const [shift] = await postShifts([[2, 1]]);
    ok(await signUp(me, shift!), 'signUp');
    const pass = (q: string, v: Record<string, unknown>) => callSubgraph(service, lead, q, v);
    ok(
      await pass(
        `mutation($id: ID!, $r: ID!) { checkInVolunteer(input: { shiftId: $id, residentId: $r }) { id } }`,
        { id: shift, r: me.residentId },
      ),
      'checkInVolunteer',
    );
    const record = ok<{ id: string }>(
      await pass(
        `mutation($id: ID!, $r: ID!) { checkOutVolunteer(input: { shiftId: $id, residentId: $r }) { id } }`,
        { id: shift, r: me.residentId },
      ),
      'checkOutVolunteer',
    );
    const PROFILE = `query($r: ID!) { volunteer(residentId: $r) { id status } }`;
    const RECORD = `query($id: ID!) { serviceRecord(id: $id) { id status shift { id } } }`;
    const anonymous: Caller = { userId: null, roles: [], gridIds: [] };
    const otherLead = caller(['volunteer_lead'], { userId: 'lead-elsewhere' });
    for (const who of [me, lead, otherLead, staff]) {
      expect(
        ok<{ status: string }>(
          await callSubgraph(service, who, PROFILE, { r: me.residentId }),
          'volunteer',
        ).status,
      ).toBe('ACTIVE');
      expect(
        ok(await callSubgraph(service, who, RECORD, { id: record.id }), 'serviceRecord'),
      ).toEqual({ id: record.id, status: 'PENDING', shift: { id: shift } });
    }
    const stranger = await volunteer();
    for (const [who, code] of [
      [stranger, 'FORBIDDEN'],
      [caller(['grid_member'], { gridIds: [randomUUID()] }), 'FORBIDDEN'],
      [anonymous, 'UNAUTHENTICATED'],
    ] as const) {
      for (const res of [
        await callSubgraph(service, who, PROFILE, { r: me.residentId }),
        await callSubgraph(service, who, RECORD, { id: record.id }),
      ]) {
        expect(res.errors?.[0]?.extensions?.code).toBe(code);
        expect(JSON.stringify(res.data)).not.toContain(record.id);
      }
    }
    expect((await callSubgraph(service, staff, PROFILE, { r: randomUUID() })).data).toEqual({
      volunteer: null,
    });
    expect((await callSubgraph(service, staff, RECORD, { id: randomUUID() })).data).toEqual({
      serviceRecord: null,
    });
    expect(
      (await callSubgraph(service, staff, PROFILE, { r: 'nope' })).errors?.[0]?.extensions,
    ).toEqual({ code: 'BAD_USER_INPUT', field: 'residentId' });
    expect(
      (await callSubgraph(service, staff, RECORD, { id: 'nope' })).errors?.[0]?.extensions,
    ).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  it('when an opportunity is posted with bad shifts, then it is refused naming the shift and nothing is written', async () => {
    const before = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM shifts`);
    const soon = (h: number) => new Date(Date.now() + h * HOUR).toISOString();
    const cases: [unknown[], string][] = [
      [[], 'input.shifts'],
      [[{ startsAt: soon(5), endsAt: soon(4), slots: 2 }], 'input.shifts[0].endsAt'],
      [
        [
          { startsAt: soon(5), endsAt: soon(6), slots: 2 },
          { startsAt: soon(7), endsAt: soon(8), slots: 0 },
        ],
        'input.shifts[1].slots',
      ],
      [[{ startsAt: soon(-2), endsAt: soon(1), slots: 2 }], 'input.shifts'],
      [[{ startsAt: 'tomorrow', endsAt: soon(1), slots: 2 }], 'input.shifts[0].startsAt'],
    ];
    for (const [shifts, field] of cases) {
      const res = await callSubgraph(
        service,
        lead,
        `mutation($t: ID!, $s: [ShiftInput!]!) { postOpportunity(input: { teamId: $t, kind: OTHER, title: "x", shifts: $s }) { id } }`,
        { t: teamId, s: shifts },
      );
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const after = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM shifts`);
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('when hours are approved and points redeemed concurrently, then the balance never goes below zero', async () => {
    const me = await volunteer();
    const id = await post(5, 1);
    ok(await signUp(me, id), 'signUp');
    const rid = me.residentId!;
    ok(
      await callSubgraph(
        service,
        lead,
        `mutation($id: ID!, $r: ID!) { checkInVolunteer(input: { shiftId: $id, residentId: $r }) { id } }`,
        { id, r: rid },
      ),
      'checkInVolunteer',
    );
    await sql(`UPDATE signups SET checked_in_at = now() - interval '5 hours' WHERE shift_id = $1`, [
      id,
    ]);
    const record = ok<{ id: string; hours: number; status: string }>(
      await callSubgraph(
        service,
        lead,
        `mutation($id: ID!, $r: ID!) { checkOutVolunteer(input: { shiftId: $id, residentId: $r }) { id hours status } }`,
        { id, r: rid },
      ),
      'checkOutVolunteer',
    );
    expect(record).toMatchObject({ hours: 5, status: 'PENDING' });
    const otherLead = caller(['volunteer_lead'], { userId: 'lead-2' });
    expect(
      (
        await callSubgraph(
          service,
          otherLead,
          `mutation($s: ID!) { approveHours(input: { serviceRecordId: $s }) { status } }`,
          { s: record.id },
        )
      ).errors?.[0]?.extensions?.code,
    ).toBe('FORBIDDEN');
    ok(
      await callSubgraph(
        service,
        lead,
        `mutation($s: ID!) { approveHours(input: { serviceRecordId: $s }) { status } }`,
        { s: record.id },
      ),
      'approveHours',
    );
    const approved = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox_events WHERE type = 'VolunteerServiceApproved' AND aggregate_id = $1`,
      [record.id],
    );
    expect(approved[0]!.n).toBe(1);

    const redemptions = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        callSubgraph(
          service,
          me,
          `mutation($r: String!) { redeemPoints(input: { points: 10, reference: $r }) }`,
          { r: `canteen-${i}` },
        ),
      ),
    );
    expect(redemptions.filter((r) => !r.errors)).toHaveLength(5);
    expect(redemptions.filter((r) => r.errors?.[0]?.extensions?.code === 'CONFLICT')).toHaveLength(
      7,
    );
    const profile = await callSubgraph(
      service,
      me,
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Resident { volunteerProfile { points approvedHours } } } }`,
      {
        r: [{ __typename: 'Resident', id: rid }],
      },
    );
    expect(profile.data).toEqual({
      _entities: [{ volunteerProfile: { points: 0, approvedHours: 5 } }],
    });
    const negative = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM time_bank WHERE balance_after < 0`,
    );
    expect(negative[0]!.n).toBe(0);
  });

  describe('check-in window and approvals', () => {
    const CHECK_IN = `mutation($id: ID!, $r: ID!) { checkInVolunteer(input: { shiftId: $id, residentId: $r }) { id } }`;
    const CHECK_OUT = `mutation($id: ID!, $r: ID!) { checkOutVolunteer(input: { shiftId: $id, residentId: $r }) { id hours status } }`;
    const APPROVE = `mutation($s: ID!) { approveHours(input: { serviceRecordId: $s }) { status } }`;
    const points = async (residentId: string) =>
      (
        await sql<{ n: number }>(
          `SELECT coalesce(sum(delta), 0)::int AS n FROM time_bank tb JOIN volunteers v ON v.id = tb.volunteer_id WHERE v.resident_id = $1`,
          [residentId],
        )
      )[0]!.n;

    it('when a volunteer is checked in more than two hours before the shift or after it ended, then CONFLICT naming shiftId; within the window it is accepted', async () => {
      const me = await volunteer();
      // Shifts come back soonest first.
      const [inAnHour, ended, tomorrow] = await postShifts([
        [2, 1],
        [2, 5],
        [2, 24],
      ]);
      for (const shift of [tomorrow!, inAnHour!, ended!]) ok(await signUp(me, shift), 'signUp');
      // The third shift has been and gone (moved into the past after the sign-up).
      await sql(
        `UPDATE shifts SET starts_at = now() - interval '5 hours', ends_at = now() - interval '1 hour' WHERE id = $1`,
        [ended],
      );
      for (const shift of [tomorrow!, ended!]) {
        const res = await callSubgraph(service, lead, CHECK_IN, { id: shift, r: me.residentId });
        expect(res.errors?.[0]?.extensions).toEqual({ code: 'CONFLICT', field: 'input.shiftId' });
      }
      ok(
        await callSubgraph(service, lead, CHECK_IN, { id: inAnHour, r: me.residentId }),
        'checkInVolunteer',
      );
      const statuses = await sql<{ shift_id: string; status: string }>(
        `SELECT s.shift_id, s.status FROM signups s JOIN volunteers v ON v.id = s.volunteer_id WHERE v.resident_id = $1`,
        [me.residentId],
      );
      expect(Object.fromEntries(statuses.map((r) => [r.shift_id, r.status]))).toEqual({
        [tomorrow!]: 'signed_up',
        [inAnHour!]: 'checked_in',
        [ended!]: 'signed_up',
      });
    });

    it('when a lead (or staff member) who is also the volunteer approves their own hours, then FORBIDDEN and no points; another staff member approves them', async () => {
      const selfLeadResident = randomUUID();
      // The team's lead is also a resident who volunteers in it.
      const leadAndVolunteer = caller(['volunteer_lead', 'resident'], {
        userId: 'lead-1',
        residentId: selfLeadResident,
      });
      ok(
        await callSubgraph(
          service,
          leadAndVolunteer,
          `mutation { registerVolunteer(input: { skills: ["first aid"] }) { id } }`,
        ),
        'registerVolunteer',
      );
      const [shift] = await postShifts([[3, 1]]);
      ok(await signUp(leadAndVolunteer, shift!), 'signUp');
      ok(
        await callSubgraph(service, leadAndVolunteer, CHECK_IN, { id: shift, r: selfLeadResident }),
        'checkInVolunteer',
      );
      await sql(
        `UPDATE signups SET checked_in_at = now() - interval '2 hours' WHERE shift_id = $1`,
        [shift],
      );
      const record = ok<{ id: string; hours: number }>(
        await callSubgraph(service, leadAndVolunteer, CHECK_OUT, {
          id: shift,
          r: selfLeadResident,
        }),
        'checkOutVolunteer',
      );
      const own = await callSubgraph(service, leadAndVolunteer, APPROVE, { s: record.id });
      expect(own.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(own.errors?.[0]?.message).toMatch(/own hours/);
      expect(await points(selfLeadResident)).toBe(0);
      const staffVolunteer = caller(['staff', 'resident'], {
        userId: 'staff-who-volunteers',
        residentId: selfLeadResident,
      });
      expect(
        (await callSubgraph(service, staffVolunteer, APPROVE, { s: record.id })).errors?.[0]
          ?.extensions?.code,
      ).toBe('FORBIDDEN');
      expect(
        (
          await sql<{ status: string }>(`SELECT status FROM service_records WHERE id = $1`, [
            record.id,
          ])
        )[0]!.status,
      ).toBe('pending');
      // Another staff member approves.
      expect(
        ok(await callSubgraph(service, staff, APPROVE, { s: record.id }), 'approveHours'),
      ).toEqual({ status: 'APPROVED' });
      expect(await points(selfLeadResident)).toBe(record.hours * 10);
    });
  });

  describe('what an opportunity and a team may name', () => {
    const POST = `mutation($t: ID!, $f: ID, $title: String!, $s: [ShiftInput!]!) {
      postOpportunity(input: { teamId: $t, kind: ELDERLY_VISITS, title: $title, facilityId: $f, shifts: $s }) {
        id facility { id } } }`;
    const shiftIn = (hours: number) => [
      {
        startsAt: new Date(Date.now() + hours * HOUR).toISOString(),
        endsAt: new Date(Date.now() + (hours + 2) * HOUR).toISOString(),
        slots: 2,
      },
    ];
    const opportunities = async () =>
      (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM opportunities`))[0]!.n;

    it('when an opportunity is located in a facility facilities never announced, then BAD_USER_INPUT names facilityId; an announced one is accepted', async () => {
      const before = await opportunities();
      const unknown = await callSubgraph(service, lead, POST, {
        t: teamId,
        f: randomUUID(),
        title: 'Visit the elderly',
        s: shiftIn(30),
      });
      expect(unknown.errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.facilityId',
      });
      expect(await opportunities()).toBe(before);
      const facilityId = await announceFacility(producer, service);
      const known = await callSubgraph(service, lead, POST, {
        t: teamId,
        f: facilityId,
        title: 'Visit the elderly',
        s: shiftIn(30),
      });
      expect(ok<{ facility: { id: string } }>(known, 'postOpportunity').facility).toEqual({
        id: facilityId,
      });
    });

    it('when an anonymous caller posts an invalid opportunity, then UNAUTHENTICATED comes before any validation', async () => {
      const anonymous: Caller = { userId: null, roles: [], gridIds: [] };
      const res = await callSubgraph(service, anonymous, POST, {
        t: 'not-an-id',
        f: 'nor-this',
        title: '',
        s: [],
      });
      expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('when a shift starts more than a year ahead, then BAD_USER_INPUT names it', async () => {
      const res = await callSubgraph(service, lead, POST, {
        t: teamId,
        title: 'Far ahead',
        s: [...shiftIn(5), ...shiftIn(400 * 24)],
      });
      expect(res.errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.shifts[1].startsAt',
      });
    });

    it('when text carries control characters or lone surrogates, or skills repeat, then BAD_USER_INPUT names the field; a new team is announced', async () => {
      const team = `mutation($n: String!, $l: String!) { createTeam(input: { name: $n, kind: GROUP, leadUserId: $l }) { id } }`;
      for (const [variables, field] of [
        [{ n: 'Night\u0000Watch', l: 'lead-9' }, 'input.name'],
        [{ n: 'Night Watch', l: 'lead\ud800' }, 'input.leadUserId'],
      ] as const) {
        const res = await callSubgraph(service, staff, team, variables);
        expect(res.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
      }
      const title = await callSubgraph(service, lead, POST, {
        t: teamId,
        title: 'Hygiene\u001b[31m drive',
        s: shiftIn(6),
      });
      expect(title.errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.title',
      });
      const me = caller(['resident'], { residentId: randomUUID() });
      const skills = await callSubgraph(
        service,
        me,
        `mutation { registerVolunteer(input: { skills: ["first aid", "first aid"] }) { id } }`,
      );
      expect(skills.errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.skills',
      });

      const created = ok<{ id: string }>(
        await callSubgraph(service, staff, team, { n: 'Night Watch', l: 'lead-9' }),
        'createTeam',
      );
      const announced = await sql<{ data: { teamId: string; leadUserId: string } }>(
        `SELECT envelope->'data' AS data FROM outbox_events WHERE type = 'TeamCreated' AND aggregate_id = $1`,
        [created.id],
      );
      expect(announced).toEqual([{ data: { teamId: created.id, leadUserId: 'lead-9' } }]);
    });
  });

  it('when ActivityCompleted arrives twice, then the volunteers who staffed it get their hours logged once', async () => {
    const a = await volunteer();
    const activityId = randomUUID();
    const done = envelopeFor(ActivityCompleted, activityId, {
      activityId,
      spaceId: randomUUID(),
      attendeeResidentIds: [randomUUID()],
      staffResidentIds: [a.residentId!, randomUUID()],
      startsAt: new Date(Date.now() - 3 * HOUR).toISOString(),
      endsAt: new Date(Date.now() - HOUR).toISOString(),
    });
    await publishEnvelope(producer, SHARED_SPACES_TOPICS.activity, done);
    const again = { ...done, id: randomUUID() };
    await publishEnvelope(producer, SHARED_SPACES_TOPICS.activity, again);
    await waitFor('both deliveries handled', async () => {
      const rows = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM processed_events WHERE event_type = 'ActivityCompleted' AND event_id = ANY ($1)`,
        [[done.id]],
      );
      const records = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM service_records WHERE activity_id = $1`,
        [activityId],
      );
      return rows[0]!.n === 1 && records[0]!.n === 1 ? true : undefined;
    });
    await waitFor('the second delivery handled', async () => {
      const rows = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM processed_events WHERE event_id = ANY ($1)`,
        [[done.id, again.id]],
      );
      return rows[0]!.n === 2 ? true : undefined;
    });
    const records = await sql<{ hours: string; status: string }>(
      `SELECT hours, status FROM service_records WHERE activity_id = $1`,
      [activityId],
    );
    expect(records).toEqual([{ hours: '2.00', status: 'pending' }]);
  });

  it('when equipment breaks (reported twice), then one repair opportunity is posted; a moved-out volunteer is deactivated', async () => {
    ok(
      await callSubgraph(
        service,
        staff,
        `mutation { createTeam(input: { name: "Repair Team", kind: REPAIR, leadUserId: "lead-3" }) { id } }`,
      ),
      'createTeam',
    );
    const repairOrderId = randomUUID();
    const fault = envelopeFor(EquipmentFaultReported, randomUUID(), {
      equipmentId: randomUUID(),
      facilityId: randomUUID(),
      repairOrderId,
      source: 'inspection',
    });
    await publishEnvelope(producer, FACILITIES_TOPICS.equipment, fault);
    await publishEnvelope(producer, FACILITIES_TOPICS.equipment, { ...fault, id: randomUUID() });
    const me = await volunteer();
    await publishEnvelope(
      producer,
      RESIDENTS_TOPICS.resident,
      envelopeFor(ResidentMovedOut, me.residentId!, {
        residentId: me.residentId!,
        householdId: randomUUID(),
        gridId: randomUUID(),
        movedOutOn: '2026-11-26',
      }),
    );
    await waitFor('the volunteer deactivated', async () => {
      const rows = await sql<{ status: string }>(
        `SELECT status FROM volunteers WHERE resident_id = $1`,
        [me.residentId],
      );
      return rows[0]?.status === 'inactive' ? true : undefined;
    });
    const opportunities = await sql<{ kind: string; team: string | null }>(
      `SELECT o.kind, t.name AS team FROM opportunities o LEFT JOIN teams t ON t.id = o.team_id WHERE o.source_ref = $1`,
      [`repair-order:${repairOrderId}`],
    );
    expect(opportunities).toEqual([{ kind: 'equipment_repair', team: 'Repair Team' }]);
  });

  it('when staff register a resident as a volunteer, then only one the registry announced and who has not left is accepted', async () => {
    const [residentId, householdId, gridId, gone] = [
      randomUUID(),
      randomUUID(),
      randomUUID(),
      randomUUID(),
    ];
    const register = (r: string) =>
      callSubgraph(
        service,
        staff,
        `mutation($r: ID!) { registerVolunteer(input: { residentId: $r }) { id status } }`,
        { r },
      );
    expect((await register(residentId)).errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.residentId',
    });
    for (const r of [residentId, gone]) {
      await publishEnvelope(
        producer,
        RESIDENTS_TOPICS.resident,
        envelopeFor(ResidentRegistered, r, {
          residentId: r,
          householdId,
          gridId,
          status: 'active',
          residencyType: 'registered',
          tags: [],
        }),
      );
    }
    const movedOut = envelopeFor(ResidentMovedOut, gone, {
      residentId: gone,
      householdId,
      gridId,
      movedOutOn: '2026-11-20',
    });
    await publishEnvelope(producer, RESIDENTS_TOPICS.resident, movedOut);
    await waitFor('the registry events handled', async () => {
      const rows = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM processed_events WHERE event_id = $1`,
        [movedOut.id],
      );
      return rows[0]!.n === 1 ? true : undefined;
    });
    expect(ok<{ status: string }>(await register(residentId), 'registerVolunteer').status).toBe(
      'ACTIVE',
    );
    expect((await register(gone)).errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      field: 'input.residentId',
    });
    expect(await sql(`SELECT 1 FROM volunteers WHERE resident_id = $1`, [gone])).toEqual([]);

    // Approved hours put the grid's volunteer on the grid's leaderboard, and no one else there.
    const [v] = await sql<{ id: string }>(`SELECT id FROM volunteers WHERE resident_id = $1`, [
      residentId,
    ]);
    await sql(
      `INSERT INTO service_records (id, volunteer_id, hours, served_on, status) VALUES ($1, $2, 2, now() - interval '1 day', 'approved')`,
      [randomUUID(), v!.id],
    );
    const board = await callSubgraph(
      service,
      caller([]),
      `query($f: DateTime!, $t: DateTime!, $g: ID) { leaderboard(from: $f, to: $t, gridId: $g) { edges { node { resident { id } hours } } } }`,
      {
        f: new Date(Date.now() - 7 * 86_400_000).toISOString(),
        t: new Date().toISOString(),
        g: gridId,
      },
    );
    expect(board.data).toEqual({
      leaderboard: { edges: [{ node: { resident: { id: residentId }, hours: 2 } }] },
    });
  });

  it('when the registry announces many residents in one batch, then each is known once, as its last event left it', async () => {
    const householdId = randomUUID();
    const [gridA, gridB] = [randomUUID(), randomUUID()];
    const ids = Array.from({ length: 30 }, () => randomUUID());
    const registered = (r: string, gridId: string) =>
      envelopeFor(ResidentRegistered, r, {
        residentId: r,
        householdId,
        gridId,
        status: 'active',
        residencyType: 'registered',
        tags: [],
      });
    const first = ids.map((r) => registered(r, gridA));
    // ids[0] registered again in another grid, then ids[1] moves out, then the same event again.
    const again = registered(ids[0]!, gridB);
    const movedOut = envelopeFor(ResidentMovedOut, ids[1]!, {
      residentId: ids[1]!,
      householdId,
      gridId: gridA,
      movedOutOn: '2026-11-20',
    });
    const all = [...first, again, movedOut, first[2]!];
    // One send with one key: one partition, in order, fetched together.
    await producer.send({
      topic: testTopic(RESIDENTS_TOPICS.resident),
      messages: all.map((e) => ({
        key: householdId,
        value: JSON.stringify(e),
        headers: { 'event-id': e.id, 'event-type': String(e.type) },
      })),
    });
    await waitFor('the batch handled', async () => {
      const rows = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM processed_events WHERE event_id = ANY($1)`,
        [all.map((e) => e.id)],
      );
      return rows[0]!.n === all.length - 1 ? true : undefined;
    });
    const known = await sql<{ resident_id: string; grid_id: string; status: string }>(
      `SELECT resident_id, grid_id, status FROM known_residents WHERE resident_id = ANY($1)`,
      [ids],
    );
    expect(known).toHaveLength(30);
    const byId = new Map(known.map((k) => [k.resident_id, k]));
    expect(byId.get(ids[0]!)).toMatchObject({ grid_id: gridB, status: 'active' });
    expect(byId.get(ids[1]!)).toMatchObject({ grid_id: gridA, status: 'moved_out' });
    expect(ids.slice(2).every((r) => byId.get(r)?.status === 'active')).toBe(true);
  });

  it('when open opportunities and the leaderboard are read a page at a time, then the pages cover every row once in order, one statement each, counted only when asked', async () => {
    const anyone: Caller = { userId: null, roles: [], gridIds: [] };
    const asAnyone = (q: string, v?: Record<string, unknown>) =>
      callSubgraph(service, anyone, q, v);
    const hours = [3, 3, 2.5, 2.5, 1];
    for (const [i, h] of hours.entries()) {
      await sql(
        `INSERT INTO opportunities (id, kind, title, starts_at, ends_at, slots)
         VALUES ($1, 'other', 'Paged', date_trunc('day', now()) + interval '9 days 0.000123 seconds' + $2 * interval '1 microsecond',
                 date_trunc('day', now()) + interval '10 days', 1)`,
        [randomUUID(), i % 2],
      );
      const volunteer = randomUUID();
      await sql(`INSERT INTO volunteers (id, resident_id) VALUES ($1, $2)`, [
        volunteer,
        randomUUID(),
      ]);
      for (const part of [h - 0.5, 0.5])
        await sql(
          `INSERT INTO service_records (id, volunteer_id, hours, served_on, status) VALUES ($1, $2, $3, '2019-03-10', 'approved')`,
          [randomUUID(), volunteer, part],
        );
    }
    const opportunities = (
      await sql<{ id: string }>(
        `SELECT id FROM opportunities WHERE status = 'open' AND ends_at > now()
          ORDER BY date_trunc('milliseconds', starts_at), id`,
      )
    ).map((r) => r.id);
    const board = await sql<{ resident_id: string; hours: number }>(
      `SELECT v.resident_id, sum(r.hours)::float8 AS hours FROM service_records r JOIN volunteers v ON v.id = r.volunteer_id
        WHERE r.status = 'approved' AND r.served_on >= '2019-03-01' AND r.served_on < '2019-04-01'
        GROUP BY v.resident_id ORDER BY hours DESC, v.resident_id`,
    );
    expect(board.map((r) => r.hours)).toEqual(hours);
    const period = `from: "2019-03-01T00:00:00Z", to: "2019-04-01T00:00:00Z"`;
    const listings: [string, string, string, unknown[]][] = [
      ['openOpportunities', '', 'id', opportunities.map((id) => ({ id }))],
      [
        'leaderboard',
        period,
        'resident { id } hours',
        board.map((r) => ({ resident: { id: r.resident_id }, hours: r.hours })),
      ],
    ];
    for (const [field, args, node, expected] of listings) {
      expect(expected.length).toBeGreaterThanOrEqual(5);
      const nodes = await readAllPages(asAnyone, field, { first: 2, args, node, statements: 1 });
      expect(nodes).toEqual(expected);
      const counted = await asAnyone(`{ ${field}${args ? `(${args})` : ''} { totalCount } }`);
      expect(counted.data).toEqual({ [field]: { totalCount: expected.length } });
      expect(counted.statements).toBe(2);
      await expectPageBoundsRefused(asAnyone, field, args);
    }
  });

  describe("a volunteer's lists, a page at a time", () => {
    /** A new volunteer with `records` service records, served a day apart (two at the same instant). */
    const withRecords = async (records: number) => {
      const me = await volunteer();
      const [v] = await sql<{ id: string }>(`SELECT id FROM volunteers WHERE resident_id = $1`, [
        me.residentId,
      ]);
      for (let i = 0; i < records; i++)
        await sql(
          `INSERT INTO service_records (id, volunteer_id, hours, served_on, status)
           VALUES ($1, $2, 1, timestamptz '2025-03-10T08:00:00.000123Z' - $3 * interval '1 day', $4)`,
          [randomUUID(), v!.id, Math.max(0, i - 1), i % 2 ? 'approved' : 'pending'],
        );
      return me;
    };
    const recordsOf = async (residentId: string) =>
      (
        await sql<{ id: string }>(
          `SELECT r.id FROM service_records r JOIN volunteers v ON v.id = r.volunteer_id WHERE v.resident_id = $1
            ORDER BY date_trunc('milliseconds', r.served_on) DESC, r.id DESC`,
          [residentId],
        )
      ).map((r) => r.id);

    it('when service records and upcoming shifts are read a page at a time, then the pages cover each once in order, one statement each after the profile, counted only when asked', async () => {
      const me = await withRecords(5);
      const shifts = await postShifts([
        [1, 40],
        [1, 31],
        [1, 34],
        [1, 37],
        [1, 43],
      ]);
      for (const shift of shifts) ok(await signUp(me, shift), 'signUp');
      const upcoming = (
        await sql<{ id: string }>(
          `SELECT id FROM shifts WHERE id = ANY ($1) ORDER BY date_trunc('milliseconds', starts_at), id`,
          [shifts],
        )
      ).map((r) => r.id);
      const profile = underEntity(
        (q, v) => callSubgraph(service, me, q, v),
        { __typename: 'Resident', id: me.residentId! },
        ['volunteerProfile'],
      );
      for (const [field, expected] of [
        ['serviceRecords', await recordsOf(me.residentId!)],
        ['upcomingShifts', upcoming],
      ] as const) {
        expect(expected).toHaveLength(5);
        // The profile (one statement), then each page in one more.
        const nodes = await readAllPages<{ id: string }>(profile, field, {
          first: 2,
          node: 'id',
          statements: 2,
        });
        expect(nodes.map((n) => n.id)).toEqual(expected);
        const counted = await profile(`{ ${field} { totalCount } }`);
        expect(counted.data).toEqual({ [field]: { totalCount: 5 } });
        expect(counted.statements).toBe(3);
        await expectPageBoundsRefused(profile, field);
      }
    });

    it('when the profiles of many residents ask for their nested pages, then each page and each count is one statement for all of them', async () => {
      const people = await Promise.all([3, 1, 0, 4].map((n) => withRecords(n)));
      const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Resident { volunteerProfile {
        approvedHours pendingHours
        serviceRecords(first: 2) { totalCount edges { node { id status } } pageInfo { hasNextPage } }
        upcomingShifts(first: 2) { totalCount edges { node { id } } } } } } }`;
      const read = (who: Caller[]) =>
        callSubgraph(service, staff, query, {
          r: who.map((p) => ({ __typename: 'Resident', id: p.residentId })),
        });
      const one = await read(people.slice(0, 1));
      const all = await read(people);
      expect(all.errors).toBeUndefined();
      // The profiles, their hours, a page and a count of each list: the same for one or four.
      expect(all.statements).toBe(one.statements);
      expect(all.statements).toBe(6);
      const profiles = (
        all.data as {
          _entities: {
            volunteerProfile: {
              approvedHours: number;
              pendingHours: number;
              serviceRecords: {
                totalCount: number;
                edges: { node: { id: string } }[];
                pageInfo: { hasNextPage: boolean };
              };
              upcomingShifts: { totalCount: number; edges: unknown[] };
            };
          }[];
        }
      )._entities.map((e) => e.volunteerProfile);
      for (const [i, p] of people.entries()) {
        const expected = await recordsOf(p.residentId!);
        expect(profiles[i]!.serviceRecords).toEqual({
          totalCount: expected.length,
          edges: expected.slice(0, 2).map((id) => ({ node: { id, status: expect.any(String) } })),
          pageInfo: { hasNextPage: expected.length > 2 },
        });
        expect(profiles[i]!.approvedHours + profiles[i]!.pendingHours).toBe(expected.length);
        expect(profiles[i]!.upcomingShifts).toEqual({ totalCount: 0, edges: [] });
      }
    });
  });

  it('when a team and an opportunity are created with a kind, then the enum value comes back as sent and is stored as the domain value; an unknown kind is refused before anything is written', async () => {
    const team = ok<{ id: string; kind: string }>(
      await callSubgraph(
        service,
        staff,
        `mutation { createTeam(input: { name: "Party Members Team", kind: PARTY_MEMBERS, leadUserId: "lead-1" }) { id kind } }`,
      ),
      'createTeam',
    );
    expect(team.kind).toBe('PARTY_MEMBERS');
    expect(await sql(`SELECT kind FROM teams WHERE id = $1`, [team.id])).toEqual([
      { kind: 'party_members' },
    ]);
    const teams = await callSubgraph(service, caller([]), `{ teams { id kind } }`);
    expect((teams.data as { teams: { id: string; kind: string }[] }).teams).toContainEqual({
      id: team.id,
      kind: 'PARTY_MEMBERS',
    });
    const start = Date.now() + 60 * HOUR;
    const opportunity = ok<{ id: string; kind: string }>(
      await callSubgraph(
        service,
        staff,
        `mutation($t: ID!, $k: OpportunityKind!, $s: [ShiftInput!]!) {
          postOpportunity(input: { teamId: $t, kind: $k, title: "Fraud talk", shifts: $s }) { id kind } }`,
        {
          t: team.id,
          k: 'FRAUD_PREVENTION',
          s: [
            {
              startsAt: new Date(start).toISOString(),
              endsAt: new Date(start + HOUR).toISOString(),
              slots: 2,
            },
          ],
        },
      ),
      'postOpportunity',
    );
    expect(opportunity.kind).toBe('FRAUD_PREVENTION');
    expect(await sql(`SELECT kind FROM opportunities WHERE id = $1`, [opportunity.id])).toEqual([
      { kind: 'fraud_prevention' },
    ]);

    const before = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM teams`);
    const literal = await callSubgraph(
      service,
      staff,
      `mutation { createTeam(input: { name: "Picnic Team", kind: PICNIC, leadUserId: "lead-1" }) { id } }`,
    );
    expect(literal.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    // A variable with the domain's lower-case value is not a value of the enum either.
    const variable = await callSubgraph(
      service,
      staff,
      `mutation($k: TeamKind!) { createTeam(input: { name: "Group", kind: $k, leadUserId: "lead-1" }) { id } }`,
      { k: 'group' },
    );
    expect(variable.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await sql(`SELECT count(*)::int AS n FROM teams`)).toEqual(before);
  });

  it('when the demo data is loaded, then teams, volunteers and approved hours are there, once', async () => {
    const fresh = await startTestService('volunteers');
    try {
      expect(await seedVolunteersDemo(fresh.service.db.dataSource, silentLogger())).toBe(60);
      const res = await callSubgraph(
        fresh.service,
        { userId: null, roles: [], gridIds: [] },
        `query($f: DateTime!, $t: DateTime!) {
        teams { kind } leaderboard(from: $f, to: $t) { edges { node { hours } } } }`,
        { f: new Date(Date.now() - 100 * 86_400_000).toISOString(), t: new Date().toISOString() },
      );
      const data = res.data as {
        teams: { kind: string }[];
        leaderboard: { edges: { node: { hours: number } }[] };
      };
      expect(data.teams.map((t) => t.kind).sort()).toEqual([
        'GRID_MEMBERS',
        'GROUP',
        'INDUSTRY_ASSOCIATIONS',
        'PARTY_MEMBERS',
        'REPAIR',
        'VOLUNTEERS',
      ]);
      expect(data.leaderboard.edges.length).toBeGreaterThan(0);
      // Each team is announced with its lead, so facilities lets that lead book for it.
      const announced = (await fresh.service.db.dataSource.query(
        `SELECT count(*)::int AS n FROM outbox_events WHERE type = 'TeamCreated'`,
      )) as { n: number }[];
      expect(announced[0]!.n).toBe(data.teams.length);
      expect(await seedVolunteersDemo(fresh.service.db.dataSource, silentLogger())).toBe(0);
    } finally {
      await fresh.stop();
    }
  });
});
