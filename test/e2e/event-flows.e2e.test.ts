import {
  REGISTER_RESIDENT,
  dataOf,
  residentInput,
  seedHousehold,
} from '../support/registry-fixtures';
import { contractViolations } from '../support/contracts';
import { ALL_SERVICES, startSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { inDaysAt } from '../support/time';
import { untilKnown } from '../support/references';

/**
 * Every row of the events table, end to end: a mutation at the gateway, the event over Kafka, the
 * consumer's effect read back through the gateway. Each event is then delivered a second time,
 * exactly as stored (same id), and the effect is checked to be unchanged.
 */
describe('the event flows between the five subgraphs', () => {
  let sys: TestSystem;
  let staff: string;
  const q = <T>(query: string, variables: Record<string, unknown> = {}, token?: string) =>
    sys.gw.data<T>(query, variables, token);
  const asStaff = <T>(query: string, variables: Record<string, unknown> = {}) =>
    q<T>(query, variables, staff);
  /** A new resident in a new household; their id, grid and a token of their own. */
  const newResident = async (name = 'Wen Shuyi') => {
    const { householdId, gridId } = await seedHousehold((query, v) =>
      sys.gw.query(query, v, staff),
    );
    const r = dataOf<{ id: string }>(
      await sys.gw.query(REGISTER_RESIDENT, { input: residentInput(householdId, { name }) }, staff),
      'registerResident',
    );
    const token = await sys.gw.token(['resident'], { residentId: r.id, sub: `resident-${r.id}` });
    return { id: r.id, householdId, gridId, token };
  };
  /** Like newResident, once every service that names residents has heard of this one. */
  const knownResident = async (name?: string) => {
    const r = await newResident(name);
    await untilKnown(
      (['facilities', 'shared-spaces', 'volunteers', 'mediation'] as const).map(
        (s) => sys.services[s].service,
      ),
      'residents',
      [r.id],
    );
    return r;
  };
  /** A new activity room, once shared-spaces and volunteers have heard of it. */
  const addRoom = async (name: string) => {
    const id = (
      await asStaff<{ addFacility: { id: string } }>(
        `mutation($n: String!) { addFacility(input: { name: $n, kind: ACTIVITY_ROOM, capacity: 40, opensAt: "08:00", closesAt: "21:00", location: "Block C" }) { id } }`,
        { n: name },
      )
    ).addFacility.id;
    await untilKnown(
      [sys.services['shared-spaces'].service, sys.services.volunteers.service],
      'facilities',
      [id],
    );
    return id;
  };

  beforeAll(async () => {
    sys = await startSystem();
    staff = await sys.gw.token(['staff']);
  });
  afterAll(async () => {
    await sys.stop();
  });

  it('ResidentRegistered and ResidentUpdated: volunteers learns of the resident, once', async () => {
    const r = await newResident();
    // Staff may register as a volunteer only a resident the registry has announced.
    const profile = await waitFor('volunteers to know the resident', async () => {
      const res = await sys.gw.query(
        `mutation($r: ID!) { registerVolunteer(input: { residentId: $r, skills: ["first aid"] }) { status } }`,
        { r: r.id },
        staff,
      );
      return res.errors ? undefined : res.data;
    });
    expect(profile).toEqual({ registerVolunteer: { status: 'ACTIVE' } });
    const registered = await sys.published('residents', 'ResidentRegistered', { residentId: r.id });
    await sys.redeliver(registered, ['volunteers']);

    await asStaff(
      `mutation($id: ID!) { updateResident(input: { id: $id, name: "Wen Shuyun" }) { id } }`,
      {
        id: r.id,
      },
    );
    const updated = await sys.published('residents', 'ResidentUpdated', { residentId: r.id });
    await sys.consumed('volunteers', updated.envelope.id, 'applied');
    await sys.redeliver(updated, ['volunteers']);
    const known = (await sys.services.volunteers.service.db.dataSource.query(
      `SELECT grid_id, status FROM known_residents WHERE resident_id = $1`,
      [r.id],
    )) as unknown[];
    expect(known).toEqual([{ grid_id: r.gridId, status: 'active' }]);
    const handled = (await sys.services.volunteers.service.db.dataSource.query(
      `SELECT count(*)::int AS n FROM processed_events WHERE event_id = ANY ($1)`,
      [[registered.envelope.id, updated.envelope.id]],
    )) as { n: number }[];
    expect(handled[0]!.n).toBe(2);
  });

  it('ServiceRequestFiled (dispute) opens one mediation case; AgreementReached schedules one follow-up visit', async () => {
    const r = await newResident();
    const request = (
      await q<{ fileServiceRequest: { id: string } }>(
        `mutation { fileServiceRequest(input: { type: DISPUTE, description: "Noise from the flat above at night" }) { id } }`,
        {},
        r.token,
      )
    ).fileServiceRequest;
    const casesOf = async () =>
      (
        await q<{
          resident: {
            mediationCases: {
              edges: { node: { id: string; source: string; serviceRequestId: string } }[];
            };
          };
        }>(
          `query($id: ID!) { resident(id: $id) { mediationCases { edges { node { id source serviceRequestId } } } } }`,
          { id: r.id },
          r.token,
        )
      ).resident.mediationCases.edges.map((e) => e.node);
    await waitFor('the case opened', async () => ((await casesOf()).length ? true : undefined));
    const filed = await sys.published('residents', 'ServiceRequestFiled', {
      requestId: request.id,
    });
    await sys.redeliver(filed, ['mediation']);
    expect(await casesOf()).toEqual([
      { id: expect.any(String), source: 'SERVICE_REQUEST', serviceRequestId: request.id },
    ]);
    // CaseFiled came back: the hall's request is referred.
    await waitFor('the request referred', async () => {
      const s = await asStaff<{ serviceRequest: { status: string } }>(
        `query($id: ID!) { serviceRequest(id: $id) { status } }`,
        { id: request.id },
      );
      return s.serviceRequest.status === 'REFERRED' ? true : undefined;
    });

    const caseId = (await casesOf())[0]!.id;
    const mediator = (
      await asStaff<{ addMediator: { id: string } }>(
        `mutation { addMediator(input: { name: "Gao Lan", userId: "mediator-flows" }) { id } }`,
      )
    ).addMediator.id;
    for (const step of [
      `mutation($c: ID!, $m: ID!) { assignMediator(input: { caseId: $c, mediatorId: $m }) { id } }`,
      `mutation($c: ID!) { acceptCase(input: { id: $c }) { id } }`,
      `mutation($c: ID!) { startMediation(input: { id: $c }) { id } }`,
      `mutation($c: ID!) { reachAgreement(input: { caseId: $c, agreement: { form: ORAL, terms: "Quiet after ten", signedOn: "2026-11-25" } }) { id } }`,
    ])
      await asStaff(step, { c: caseId, m: mediator });
    const member = await sys.gw.token(['grid_member'], { gridIds: [r.gridId] });
    const visits = async () =>
      (
        await q<{
          scheduledVisits: { edges: { node: { reason: string; household: { id: string } } }[] };
        }>(
          `query($g: ID!) { scheduledVisits(gridId: $g, first: 100) { edges { node { reason household { id } } } } }`,
          { g: r.gridId },
          member,
        )
      ).scheduledVisits.edges.map((e) => e.node);
    await waitFor('the follow-up visit scheduled', async () =>
      (await visits()).length ? true : undefined,
    );
    const agreement = await sys.published('mediation', 'AgreementReached', { caseId });
    await sys.redeliver(agreement, ['residents']);
    expect(await visits()).toEqual([
      { reason: 'MEDIATION_FOLLOW_UP', household: { id: r.householdId } },
    ]);
  });

  it('ServiceRequestFiled (facility fault) opens one repair order and the request is referred to facilities', async () => {
    const r = await newResident();
    const request = (
      await q<{ fileServiceRequest: { id: string } }>(
        `mutation { fileServiceRequest(input: { type: FACILITY_FAULT, description: "The street lamp by block 3 is out" }) { id } }`,
        {},
        r.token,
      )
    ).fileServiceRequest;
    const manager = await sys.gw.token(['facility_manager']);
    const orders = async () =>
      (
        await q<{
          openRepairOrders: {
            edges: { node: { source: string; serviceRequestId: string | null } }[];
          };
        }>(
          `query { openRepairOrders(first: 100) { edges { node { source serviceRequestId } } } }`,
          {},
          manager,
        )
      ).openRepairOrders.edges
        .map(({ node }) => node)
        .filter((o) => o.serviceRequestId === request.id);
    await waitFor('the repair order opened', async () =>
      (await orders()).length ? true : undefined,
    );
    const filed = await sys.published('residents', 'ServiceRequestFiled', {
      requestId: request.id,
    });
    await sys.redeliver(filed, ['facilities']);
    expect(await orders()).toEqual([{ source: 'SERVICE_REQUEST', serviceRequestId: request.id }]);
    await waitFor('the request referred to facilities', async () => {
      const s = await asStaff<{ serviceRequest: { status: string; referredTo: string | null } }>(
        `query($id: ID!) { serviceRequest(id: $id) { status referredTo } }`,
        { id: request.id },
      );
      return s.serviceRequest.referredTo === 'facilities' ? s.serviceRequest : undefined;
    });
  });

  it('EquipmentFaultReported posts one repair opportunity for volunteers', async () => {
    const room = await addRoom('Fitness corner');
    const equipment = (
      await asStaff<{ addEquipment: { id: string } }>(
        `mutation($f: ID!) { addEquipment(input: { facilityId: $f, name: "Rowing machine" }) { id } }`,
        { f: room },
      )
    ).addEquipment.id;
    await asStaff(
      `mutation($e: ID!) { reportEquipmentFault(input: { equipmentId: $e, description: "The seat rail is cracked" }) { id } }`,
      { e: equipment },
    );
    const repairs = async () =>
      (
        await q<{
          openOpportunities: {
            edges: {
              node: { kind: string; facility: { id: string } | null; shifts: { slots: number }[] };
            }[];
          };
        }>(
          `query { openOpportunities(first: 100) { edges { node { kind facility { id } shifts { slots } } } } }`,
        )
      ).openOpportunities.edges
        .map(({ node }) => node)
        .filter((o) => o.facility?.id === room);
    await waitFor('the repair opportunity posted', async () =>
      (await repairs()).length ? true : undefined,
    );
    const fault = await sys.published('facilities', 'EquipmentFaultReported', {
      equipmentId: equipment,
    });
    await sys.redeliver(fault, ['volunteers']);
    expect(await repairs()).toEqual([
      { kind: 'EQUIPMENT_REPAIR', facility: { id: room }, shifts: [{ slots: 2 }] },
    ]);
  });

  it('the activity saga both ways, then ActivityCompleted logs hours once and VolunteerServiceApproved credits points once', async () => {
    const r = await knownResident('Kang Meiling');
    const secretary = await sys.gw.token(['party_secretary']);
    const branch = (
      await q<{ createPartyBranch: { id: string } }>(
        `mutation { createPartyBranch(input: { name: "Courtyard 4 Branch", courtyard: true }) { id } }`,
        {},
        secretary,
      )
    ).createPartyBranch.id;
    await q(
      `mutation($r: ID!, $b: ID!) { registerPartyMember(input: { residentId: $r, branchId: $b, joinedOn: "2015-07-01" }) { id } }`,
      { r: r.id, b: branch },
      secretary,
    );
    await q(`mutation { registerVolunteer(input: { skills: ["cooking"] }) { id } }`, {}, r.token);

    const room = await addRoom('Activity Room 2');
    const space = (
      await q<{ createSharedSpace: { id: string } }>(
        `mutation($f: ID!) { createSharedSpace(input: { name: "Silver Age Canteen", theme: ELDERLY_CARE, facilityId: $f }) { id } }`,
        { f: room },
        secretary,
      )
    ).createSharedSpace.id;
    const schedule = async (title: string) =>
      (
        await q<{ scheduleActivity: { id: string } }>(
          `mutation($s: ID!, $t: String!, $a: DateTime!, $b: DateTime!) {
            scheduleActivity(input: { spaceId: $s, title: $t, startsAt: $a, endsAt: $b, capacity: 20 }) { id } }`,
          { s: space, t: title, a: inDaysAt(3, 11), b: inDaysAt(3, 13) },
          secretary,
        )
      ).scheduleActivity.id;
    const status = async (id: string) =>
      (
        await q<{ activity: { status: string; venueRejectionReason: string | null } }>(
          `query($id: ID!) { activity(id: $id) { status venueRejectionReason } }`,
          { id },
        )
      ).activity;
    const bookingsOfRoom = async () =>
      (
        await asStaff<{
          facilityBookings: { edges: { node: { status: string; organiserId: string | null } }[] };
        }>(
          `query($f: ID!, $a: DateTime!, $b: DateTime!) { facilityBookings(facilityId: $f, from: $a, to: $b, first: 100) {
            edges { node { status organiserId } } } }`,
          { f: room, a: inDaysAt(3, 0), b: inDaysAt(4, 0) },
        )
      ).facilityBookings.edges.map((e) => e.node);

    const lunch = await schedule('Elderly lunch');
    await waitFor('the venue confirmed', async () =>
      (await status(lunch)).status === 'CONFIRMED' ? true : undefined,
    );
    const scheduled = await sys.published('shared-spaces', 'SpaceActivityScheduled', {
      activityId: lunch,
    });
    const confirmed = await sys.published('facilities', 'BookingConfirmed', {
      activityId: lunch,
    });
    await sys.redeliver(scheduled, ['facilities']);
    await sys.redeliver(confirmed, ['shared-spaces']);
    expect(await bookingsOfRoom()).toEqual([{ status: 'CONFIRMED', organiserId: lunch }]);
    expect(await status(lunch)).toEqual({ status: 'CONFIRMED', venueRejectionReason: null });

    const clash = await schedule('Calligraphy');
    await waitFor('the clash answered', async () =>
      (await status(clash)).status !== 'PLANNED' ? true : undefined,
    );
    const rejected = await sys.published('facilities', 'BookingRejected', { activityId: clash });
    await sys.redeliver(rejected, ['shared-spaces']);
    expect(await status(clash)).toEqual({
      status: 'VENUE_REJECTED',
      venueRejectionReason: 'slot_taken',
    });
    // The refused request is kept as a rejected booking; the room is still booked once.
    const answered = await bookingsOfRoom();
    expect(answered).toHaveLength(2);
    expect(answered).toEqual(
      expect.arrayContaining([
        { status: 'CONFIRMED', organiserId: lunch },
        { status: 'REJECTED', organiserId: clash },
      ]),
    );

    // She staffed the lunch: two hours logged for approval.
    await q(
      `mutation($a: ID!, $s: [ID!]) { completeActivity(input: { activityId: $a, staffResidentIds: $s }) { id } }`,
      { a: lunch, s: [r.id] },
      secretary,
    );
    const profile = async () =>
      (
        await q<{
          resident: {
            volunteerProfile: {
              pendingHours: number;
              approvedHours: number;
              points: number;
              serviceRecords: {
                edges: { node: { id: string; activityId: string | null; status: string } }[];
              };
            };
            partyMembership: { points: number };
          };
        }>(
          `query($id: ID!) { resident(id: $id) { volunteerProfile { pendingHours approvedHours points
            serviceRecords { edges { node { id activityId status } } } }
            partyMembership { points } } }`,
          { id: r.id },
          r.token,
        )
      ).resident;
    await waitFor('the hours logged', async () =>
      (await profile()).volunteerProfile.pendingHours > 0 ? true : undefined,
    );
    const completed = await sys.published('shared-spaces', 'ActivityCompleted', {
      activityId: lunch,
    });
    await sys.redeliver(completed, ['volunteers']);
    const logged = await profile();
    expect(logged.volunteerProfile).toMatchObject({ pendingHours: 2, approvedHours: 0 });
    expect(logged.volunteerProfile.serviceRecords.edges).toEqual([
      { node: { id: expect.any(String), activityId: lunch, status: 'PENDING' } },
    ]);

    // Staff approve: time-bank points here, and party points in shared-spaces for the member.
    const recordId = logged.volunteerProfile.serviceRecords.edges[0]!.node.id;
    await asStaff(`mutation($s: ID!) { approveHours(input: { serviceRecordId: $s }) { id } }`, {
      s: recordId,
    });
    await waitFor('party points credited', async () =>
      (await profile()).partyMembership.points > 0 ? true : undefined,
    );
    const approved = await sys.published('volunteers', 'VolunteerServiceApproved', {
      serviceRecordId: recordId,
    });
    await sys.redeliver(approved, ['shared-spaces']);
    expect(await profile()).toMatchObject({
      volunteerProfile: { approvedHours: 2, pendingHours: 0, points: 20 },
      partyMembership: { points: 2 },
    });
  });

  it('ResidentMovedOut: one mutation, and all four consumers apply their part once', async () => {
    const r = await knownResident('Lu Xiaofang');
    const secretary = await sys.gw.token(['party_secretary']);
    const manager = await sys.gw.token(['facility_manager']);
    // Her footprint in every department: a booking, a loan, a party membership, a volunteer shift, a case.
    const room = await addRoom('Conference Room B');
    await q(
      `mutation($f: ID!, $a: DateTime!, $b: DateTime!) { bookFacility(input: { facilityId: $f, startsAt: $a, endsAt: $b, attendees: 6, purpose: "Book club" }) { id } }`,
      { f: room, a: inDaysAt(5, 15), b: inDaysAt(5, 17) },
      r.token,
    );
    const book = (
      await q<{ addBook: { id: string } }>(
        `mutation { addBook(input: { title: "Dunhuang Murals", author: "Fan Jinshi", copies: 1 }) { id } }`,
        {},
        manager,
      )
    ).addBook.id;
    await asStaff(
      `mutation($b: ID!, $r: ID!) { lendBook(input: { bookId: $b, residentId: $r }) { id } }`,
      { b: book, r: r.id },
    );
    const branch = (
      await q<{ createPartyBranch: { id: string } }>(
        `mutation { createPartyBranch(input: { name: "Courtyard 7 Branch", courtyard: true }) { id } }`,
        {},
        secretary,
      )
    ).createPartyBranch.id;
    await q(
      `mutation($r: ID!, $b: ID!) { registerPartyMember(input: { residentId: $r, branchId: $b, joinedOn: "2009-03-01" }) { id } }`,
      { r: r.id, b: branch },
      secretary,
    );
    await q(`mutation { registerVolunteer(input: {}) { id } }`, {}, r.token);
    const team = (
      await asStaff<{ createTeam: { id: string } }>(
        `mutation { createTeam(input: { name: "Volunteer Team", kind: VOLUNTEERS, leadUserId: "lead-moves" }) { id } }`,
      )
    ).createTeam.id;
    const shift = (
      await asStaff<{ postOpportunity: { shifts: { id: string }[] } }>(
        `mutation($t: ID!, $a: DateTime!, $b: DateTime!) { postOpportunity(input: { teamId: $t, kind: ELDERLY_VISITS,
          title: "Visit the elderly", shifts: [{ startsAt: $a, endsAt: $b, slots: 4 }] }) { shifts { id } } }`,
        { t: team, a: inDaysAt(6, 9), b: inDaysAt(6, 11) },
      )
    ).postOpportunity.shifts[0]!.id;
    await q(`mutation($s: ID!) { signUp(input: { shiftId: $s }) { id } }`, { s: shift }, r.token);
    const neighbour = await knownResident('Zhou Min');
    await asStaff(
      `mutation($a: ID!, $b: ID!) { fileCase(input: { category: NEIGHBOUR, source: COMMITTEE, summary: "Shared stairwell storage",
        parties: [{ residentId: $a, role: APPLICANT }, { residentId: $b, role: RESPONDENT }] }) { id } }`,
      { a: neighbour.id, b: r.id },
    );

    await asStaff(
      `mutation($r: ID!) { moveOutResident(input: { residentId: $r, movedOutOn: "2026-11-26" }) { status } }`,
      { r: r.id },
    );
    const whole = async () =>
      (
        await asStaff<{
          resident: {
            status: string;
            bookings: { edges: { node: { status: string } }[] };
            loans: { edges: { node: { flaggedAt: string | null } }[] };
            partyMembership: { status: string };
            volunteerProfile: { status: string; upcomingShifts: { edges: unknown[] } };
            mediationCases: { edges: { node: { partyMovedOutAt: string | null } }[] };
          };
        }>(
          `query($id: ID!) { resident(id: $id) { status bookings { edges { node { status } } }
            loans { edges { node { flaggedAt } } } partyMembership { status }
            volunteerProfile { status upcomingShifts { edges { node { id } } } } mediationCases { edges { node { partyMovedOutAt } } } } }`,
          { id: r.id },
        )
      ).resident;
    const settled = (w: Awaited<ReturnType<typeof whole>>) =>
      w.bookings.edges.every((b) => b.node.status === 'CANCELLED') &&
      w.loans.edges.every((l) => l.node.flaggedAt !== null) &&
      w.partyMembership.status === 'TRANSFERRED' &&
      w.volunteerProfile.status === 'INACTIVE' &&
      w.mediationCases.edges.every((e) => e.node.partyMovedOutAt !== null);
    await waitFor('every department applied the move', async () =>
      settled(await whole()) ? true : undefined,
    );
    const movedOut = await sys.published('residents', 'ResidentMovedOut', { residentId: r.id });
    await sys.redeliver(movedOut, ['facilities', 'shared-spaces', 'volunteers', 'mediation']);
    const after = await whole();
    expect(after).toEqual({
      status: 'MOVED_OUT',
      bookings: { edges: [{ node: { status: 'CANCELLED' } }] },
      loans: { edges: [{ node: { flaggedAt: expect.any(String) } }] },
      partyMembership: { status: 'TRANSFERRED' },
      volunteerProfile: { status: 'INACTIVE', upcomingShifts: { edges: [] } },
      mediationCases: { edges: [{ node: { partyMovedOutAt: expect.any(String) } }] },
    });
    // Applied once: one effect row per consumer, the redelivery recognised as a duplicate.
    for (const name of ['facilities', 'shared-spaces', 'volunteers', 'mediation'] as const) {
      const rows = (await sys.services[name].service.db.dataSource.query(
        `SELECT count(*)::int AS n FROM processed_events WHERE event_id = $1`,
        [movedOut.envelope.id],
      )) as { n: number }[];
      expect({ name, n: rows[0]!.n }).toEqual({ name, n: 1 });
    }
    const flagged = (await sys.services.facilities.service.db.dataSource.query(
      `SELECT count(*)::int AS n FROM bookings WHERE resident_id = $1 AND status = 'cancelled'`,
      [r.id],
    )) as { n: number }[];
    expect(flagged[0]!.n).toBe(1);
  });
  it('when the flows above have run, then every event each service committed conforms to its published JSON Schema', async () => {
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const name of ALL_SERVICES) {
      const rows = (await sys.services[name].service.db.dataSource.query(
        `SELECT envelope FROM outbox_events ORDER BY seq`,
      )) as { envelope: { type: string; version: number; source: string; data: unknown } }[];
      for (const { envelope } of rows) {
        seen.add(envelope.type);
        if (envelope.source !== name) problems.push(`${envelope.type}: source ${envelope.source}`);
        problems.push(...contractViolations(envelope).map((p) => `${name}: ${p}`));
      }
    }
    expect(problems).toEqual([]);
    // Every event type the flows rely on was produced and checked.
    expect([...seen]).toEqual(
      expect.arrayContaining([
        'ResidentRegistered',
        'ResidentUpdated',
        'ResidentMovedOut',
        'ServiceRequestFiled',
        'CaseFiled',
        'AgreementReached',
        'RepairOrderOpened',
        'EquipmentFaultReported',
        'SpaceActivityScheduled',
        'BookingConfirmed',
        'BookingRejected',
        'ActivityCompleted',
        'VolunteerServiceApproved',
      ]),
    );
  });
});
