import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import type { RunningService } from '@liyuan/kit';
import {
  AgreementReached,
  CaseFiled,
  FACILITIES_TOPICS,
  MEDIATION_TOPICS,
  RESIDENTS_TOPICS,
  RepairOrderOpened,
} from '@liyuan/schemas';
import {
  collectTopics,
  envelopeFor,
  publishEnvelope,
  testKafka,
  type Received,
} from '@liyuan/test-support/kafka';
import {
  REGISTER_HOUSEHOLD,
  REGISTER_RESIDENT,
  dataOf,
  idCardFor,
  residentInput,
  seedHousehold,
} from '@liyuan/test-support/registry-fixtures';
import {
  callSubgraph,
  caller,
  startTestResidents,
  type GqlResult,
} from '@liyuan/test-support/stack';
import { expectPageBoundsRefused, readAllPages } from '@liyuan/test-support/pages';
import { waitFor } from '@liyuan/test-support/wait';

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString();

/** Visits, key-group tags, service requests and the personal-data audit, on real PostgreSQL and Kafka. */
describe('residents: visits, tags, service requests, audit', () => {
  let service: RunningService;
  let stop: () => Promise<void>;
  let producer: Producer;
  let collector: { messages: Received[]; stop(): Promise<void> };
  const staff = caller(['staff'], { userId: 'staff-hall' });
  const asStaff = (q: string, v?: Record<string, unknown>) => callSubgraph(service, staff, q, v);

  beforeAll(async () => {
    ({ service, stop } = await startTestResidents());
    await service.eventsReady;
    producer = testKafka().producer();
    await producer.connect();
    collector = await collectTopics([RESIDENTS_TOPICS.serviceRequest]);
  });
  afterAll(async () => {
    await collector.stop();
    await producer.disconnect();
    await stop();
  });

  const sql = <T>(text: string, params: unknown[] = []) =>
    service.db.dataSource.query(text, params) as Promise<T[]>;
  const outboxOf = (aggregateId: string) =>
    sql<{ type: string; data: Record<string, unknown> }>(
      `SELECT type, envelope->'data' AS data FROM outbox_events WHERE aggregate_id = $1 ORDER BY seq`,
      [aggregateId],
    );
  const register = async (householdId: string, overrides: Record<string, unknown> = {}) =>
    dataOf<{ id: string }>(
      await asStaff(REGISTER_RESIDENT, { input: residentInput(householdId, overrides) }),
      'registerResident',
    );
  const addHousehold = async (buildingId: string, room: string) =>
    dataOf<{ id: string }>(
      await asStaff(REGISTER_HOUSEHOLD, { buildingId, room }),
      'registerHousehold',
    );
  const RECORD_VISIT = `mutation($input: RecordVisitInput!) { recordVisit(input: $input) { id followUpNeeded } }`;
  /**
   * Calls a field of one entity as if it were a root field (for the page helpers): the operation's
   * `{ field(...) ... }` is sent inside `_entities`, and the entity's value is answered as `data`.
   */
  const nestedCall =
    (who: ReturnType<typeof caller>, typename: string, id: string, field: string) =>
    async (query: string, variables: Record<string, unknown> = {}) => {
      const open = query.indexOf('{');
      const head = query.slice(0, open).trim();
      const vars = head.startsWith('query(') ? head.slice('query('.length, -1) : '';
      const res = await callSubgraph(
        service,
        who,
        `query($reps: [_Any!]!${vars ? `, ${vars}` : ''}) { _entities(representations: $reps) {
          ... on ${typename} ${query.slice(open)} } }`,
        { ...variables, reps: [{ __typename: typename, id }] },
      );
      const entity = (res.data as { _entities?: Record<string, unknown>[] } | null)?._entities?.[0];
      return { ...res, data: entity ? { [field]: entity[field] } : res.data };
    };

  describe('key-group tags', () => {
    it('when a resident is tagged, then one ResidentTagged is written, and tagging again writes nothing', async () => {
      const { householdId } = await seedHousehold(asStaff);
      const r = await register(householdId, { tags: [] });
      const tag = `mutation($id: ID!, $tag: String!) { tagResident(input: { residentId: $id, tag: $tag }) { tags } }`;
      expect((await asStaff(tag, { id: r.id, tag: 'disabled' })).data).toEqual({
        tagResident: { tags: ['disabled'] },
      });
      expect((await asStaff(tag, { id: r.id, tag: 'disabled' })).data).toEqual({
        tagResident: { tags: ['disabled'] },
      });
      const events = (await outboxOf(r.id)).filter((e) => e.type === 'ResidentTagged');
      expect(events).toHaveLength(1);
      expect(events[0]!.data).toMatchObject({ residentId: r.id, tag: 'disabled' });
    });

    it('when the tag is not configured, then BAD_USER_INPUT names it; once configured it can be used', async () => {
      const { householdId } = await seedHousehold(asStaff);
      const r = await register(householdId, { tags: [] });
      const tag = `mutation($id: ID!) { tagResident(input: { residentId: $id, tag: "hearing_impaired" }) { tags } }`;
      expect((await asStaff(tag, { id: r.id })).errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.tag',
      });
      const bad = await asStaff(REGISTER_RESIDENT, {
        input: residentInput(householdId, { tags: ['hearing_impaired'] }),
      });
      expect(bad.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.tags' });

      const configure = await asStaff(
        `mutation { configureKeyGroupTag(input: { code: "hearing_impaired", name: "Hearing impaired", visitCadenceDays: 10 }) {
          code visitCadenceDays } }`,
      );
      expect(configure.data).toEqual({
        configureKeyGroupTag: { code: 'hearing_impaired', visitCadenceDays: 10 },
      });
      expect((await asStaff(tag, { id: r.id })).data).toEqual({
        tagResident: { tags: ['hearing_impaired'] },
      });
      const asMember = await callSubgraph(
        service,
        caller(['grid_member'], { gridIds: [randomUUID()] }),
        `mutation { configureKeyGroupTag(input: { code: "x_tag", name: "X" }) { code } }`,
      );
      expect(asMember.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });
  });

  describe('visits', () => {
    let gridId: string;
    let member: ReturnType<typeof caller>;
    const households: Record<string, string> = {};

    beforeAll(async () => {
      const seeded = await seedHousehold(asStaff);
      gridId = seeded.gridId;
      member = caller(['grid_member'], { userId: 'gm-visits', gridIds: [gridId] });
      const plan = [
        ['weekly', ['elderly_living_alone'], 10],
        ['monthly', ['low_income'], 40],
        ['strictest', ['low_income', 'elderly_living_alone'], 8],
        ['fortnightly', ['disabled'], 5],
        ['untagged', [], 100],
      ] as const;
      for (const [name, tags, visitedDaysAgo] of plan) {
        const h = await addHousehold(seeded.buildingId, `${name}-1`);
        households[name] = h.id;
        await register(h.id, {
          tags,
          birthDate: '1941-04-04',
          idCardNumber: idCardFor('1941-04-04'),
        });
        const v = await callSubgraph(service, member, RECORD_VISIT, {
          input: { householdId: h.id, visitedAt: daysAgo(visitedDaysAgo), notes: 'routine visit' },
        });
        expect(v.errors).toBeUndefined();
      }
    });

    it('when households have different cadences, then the overdue ones come most overdue first by their strictest cadence', async () => {
      const res = await callSubgraph(
        service,
        member,
        `query($g: ID!) { visitsDue(gridId: $g) { edges { node {
          id household { id } tags cadenceDays daysOverdue lastVisitedAt } } totalCount } }`,
        { g: gridId },
      );
      type Due = {
        id: string;
        household: { id: string };
        tags: string[];
        cadenceDays: number;
        daysOverdue: number;
      };
      const page = (res.data as { visitsDue: { edges: { node: Due }[]; totalCount: number } })
        .visitsDue;
      const due = page.edges.map((e) => e.node);
      expect(page.totalCount).toBe(3);
      // What is due is the household's next visit: it is keyed by the household.
      expect(due.map((d) => d.id)).toEqual(due.map((d) => d.household.id));
      expect(due.map((d) => d.household.id)).toEqual([
        households.monthly,
        households.weekly,
        households.strictest,
      ]);
      expect(due.map((d) => [d.cadenceDays, d.daysOverdue])).toEqual([
        [30, 10],
        [7, 3],
        [7, 1],
      ]);
      expect(due[2]!.tags).toEqual(['elderly_living_alone', 'low_income']);
    });

    it('when a grid member asks about another grid, then FORBIDDEN and nothing about that grid is in the error', async () => {
      const other = await seedHousehold(asStaff);
      const res = await callSubgraph(
        service,
        member,
        `query($g: ID!) { visitsDue(gridId: $g) { edges { node { household { id } } } } }`,
        {
          g: other.gridId,
        },
      );
      expect(res.data).toBeNull();
      expect(res.errors).toHaveLength(1);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(JSON.stringify(res.errors)).not.toContain(other.householdId);
      const visit = await callSubgraph(service, member, RECORD_VISIT, {
        input: { householdId: other.householdId, visitedAt: daysAgo(0), notes: 'x' },
      });
      expect(visit.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const household = await callSubgraph(
        service,
        member,
        `query($h: ID!) { household(id: $h) { id address } }`,
        {
          h: other.householdId,
        },
      );
      expect(household.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(JSON.stringify(household)).not.toContain('Mingshan');
      const rows = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM visits WHERE household_id = $1`,
        [other.householdId],
      );
      expect(rows[0]!.n).toBe(0);
    });

    it('when a visit needs a follow-up, then one is scheduled and recording it marks it done', async () => {
      const v = await callSubgraph(service, member, RECORD_VISIT, {
        input: {
          householdId: households.fortnightly,
          visitedAt: daysAgo(0),
          notes: 'fell last week',
          followUpNeeded: true,
        },
      });
      const visitId = dataOf<{ id: string }>(v, 'recordVisit').id;
      const scheduledQuery = `query($g: ID!, $s: ScheduledVisitStatus) { scheduledVisits(gridId: $g, status: $s, first: 100) {
        edges { node { id household { id } reason referenceId status } } } }`;
      type Scheduled = {
        id: string;
        household: { id: string };
        reason: string;
        referenceId: string;
      };
      const open = (await callSubgraph(service, member, scheduledQuery, { g: gridId })).data as {
        scheduledVisits: { edges: { node: Scheduled }[] };
      };
      const mine = open.scheduledVisits.edges
        .map((e) => e.node)
        .filter((s) => s.referenceId === visitId);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        household: { id: households.fortnightly },
        reason: 'FOLLOW_UP',
      });

      const follow = await callSubgraph(service, member, RECORD_VISIT, {
        input: {
          householdId: households.fortnightly,
          visitedAt: daysAgo(0),
          notes: 'better',
          scheduledVisitId: mine[0]!.id,
        },
      });
      expect(follow.errors).toBeUndefined();
      const again = await callSubgraph(service, member, RECORD_VISIT, {
        input: {
          householdId: households.fortnightly,
          visitedAt: daysAgo(0),
          notes: 'again',
          scheduledVisitId: mine[0]!.id,
        },
      });
      expect(again.errors?.[0]?.extensions).toEqual({
        code: 'CONFLICT',
        field: 'input.scheduledVisitId',
      });
      const done = (await callSubgraph(service, member, scheduledQuery, { g: gridId, s: 'DONE' }))
        .data as {
        scheduledVisits: { edges: { node: { id: string } }[] };
      };
      expect(done.scheduledVisits.edges.map((e) => e.node.id)).toContain(mine[0]!.id);
    });

    it('when a visit is dated in the future, then BAD_USER_INPUT names visitedAt and nothing is written', async () => {
      const before = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM visits`);
      const res = await callSubgraph(service, member, RECORD_VISIT, {
        input: {
          householdId: households.weekly,
          visitedAt: new Date(Date.now() + DAY).toISOString(),
          notes: 'x',
        },
      });
      expect(res.errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.visitedAt',
      });
      expect(await sql(`SELECT count(*)::int AS n FROM visits`)).toEqual(before);
    });

    it('when a visit is dated in the year 0001 or more than a year ago, or its notes carry a control character, then BAD_USER_INPUT names the field and nothing is written; notes keep their line breaks', async () => {
      const { householdId } = await seedHousehold(asStaff);
      const visits = () =>
        sql<{ notes: string }>(`SELECT notes FROM visits WHERE household_id = $1`, [householdId]);
      for (const visitedAt of ['0001-01-01T10:00:00Z', daysAgo(366), '9999-12-31T10:00:00Z']) {
        const res = await asStaff(RECORD_VISIT, {
          input: { householdId, visitedAt, notes: 'routine visit' },
        });
        expect({ visitedAt, error: res.errors?.[0]?.extensions }).toEqual({
          visitedAt,
          error: { code: 'BAD_USER_INPUT', field: 'input.visitedAt' },
        });
      }
      for (const notes of ['All well\u0000', 'All \ud800well', 'Bell\u0007']) {
        const res = await asStaff(RECORD_VISIT, {
          input: { householdId, visitedAt: daysAgo(1), notes },
        });
        expect({ notes, error: res.errors?.[0]?.extensions }).toEqual({
          notes,
          error: { code: 'BAD_USER_INPUT', field: 'input.notes' },
        });
      }
      expect(await visits()).toEqual([]);
      const notes = 'Heating works.\nNeighbour checks in daily.';
      for (const visitedAt of [daysAgo(364), daysAgo(0)])
        dataOf(
          await asStaff(RECORD_VISIT, { input: { householdId, visitedAt, notes } }),
          'recordVisit',
        );
      expect(await visits()).toEqual([{ notes }, { notes }]);
    });

    it('when a mediation agreement arrives (twice), then each party household gets one follow-up visit', async () => {
      const seeded = await seedHousehold(asStaff);
      const h2 = await addHousehold(seeded.buildingId, 'agreement-2');
      const a = await register(seeded.householdId);
      const b = await register(seeded.householdId, { idCardNumber: idCardFor('1962-05-17') });
      const c = await register(h2.id);
      const agreementId = randomUUID();
      const event = envelopeFor(AgreementReached, randomUUID(), {
        caseId: randomUUID(),
        agreementId,
        partyResidentIds: [a.id, b.id, c.id],
        signedOn: '2026-11-20',
      });
      await publishEnvelope(producer, MEDIATION_TOPICS.case, event);
      await publishEnvelope(producer, MEDIATION_TOPICS.case, event);
      const scheduled = () =>
        sql<{ household_id: string; due_on: string }>(
          `SELECT household_id, to_char(due_on, 'YYYY-MM-DD') AS due_on FROM scheduled_visits WHERE reference_id = $1`,
          [agreementId],
        );
      await waitFor('both duplicates processed', async () => {
        const rows = await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM processed_events WHERE event_id = $1`,
          [event.id],
        );
        return rows[0]!.n === 1 && (await scheduled()).length === 2 ? true : undefined;
      });
      const rows = await scheduled();
      expect(rows.map((r) => r.household_id).sort()).toEqual([seeded.householdId, h2.id].sort());
      expect(rows.every((r) => r.due_on === '2026-11-27')).toBe(true);
      const follow = await asStaff(
        `query($g: ID!) { scheduledVisits(gridId: $g) { edges { node { reason referenceId } } } }`,
        {
          g: seeded.gridId,
        },
      );
      expect(
        (follow.data as { scheduledVisits: { edges: { node: unknown }[] } }).scheduledVisits.edges,
      ).toEqual([
        { node: { reason: 'MEDIATION_FOLLOW_UP', referenceId: agreementId } },
        { node: { reason: 'MEDIATION_FOLLOW_UP', referenceId: agreementId } },
      ]);
    });
  });

  describe('personal-data audit', () => {
    it('when staff read ID cards and phones with a purpose, then every unmasked read is audited exactly once', async () => {
      const { householdId, gridId } = await seedHousehold(asStaff);
      const ids = [
        await register(householdId),
        await register(householdId, { idCardNumber: idCardFor('1962-05-17') }),
      ].map((r) => r.id);
      const read = `query($g: ID!) { residents(filter: { gridId: $g }) { edges { node {
        id idCardNumber(purpose: "pension filing") phone(purpose: "pension filing") again: phone(purpose: "pension filing") } } } }`;
      const auditor = caller(['staff'], { userId: `auditor-${randomUUID()}` });
      const res = await callSubgraph(service, auditor, read, { g: gridId });
      expect(res.errors).toBeUndefined();
      const rows = await sql<{ resident_id: string; field: string; purpose: string }>(
        `SELECT resident_id, field, purpose FROM personal_data_access WHERE actor_user_id = $1 ORDER BY resident_id, field`,
        [auditor.userId],
      );
      expect(rows).toEqual(
        [...ids].sort().flatMap((id) => [
          { resident_id: id, field: 'idCardNumber', purpose: 'pension filing' },
          { resident_id: id, field: 'phone', purpose: 'pension filing' },
        ]),
      );
      const text = JSON.stringify(
        await sql(`SELECT * FROM personal_data_access WHERE actor_user_id = $1`, [auditor.userId]),
      );
      expect(text).not.toMatch(/620982\d{11}[\dX]/);

      const member = caller(['grid_member'], { userId: `gm-${randomUUID()}`, gridIds: [gridId] });
      const memberRead = await callSubgraph(
        service,
        member,
        `query($id: ID!) { resident(id: $id) { idCardNumber phone } }`,
        {
          id: ids[0],
        },
      );
      const seen = (memberRead.data as { resident: { idCardNumber: string; phone: string } })
        .resident;
      expect(seen.idCardNumber).toMatch(/^\d{4}\*{10}[\dX]{4}$/);
      expect(seen.phone).toMatch(/^1\d{10}$/);
      const memberRows = await sql<{ field: string; purpose: string }>(
        `SELECT field, purpose FROM personal_data_access WHERE actor_user_id = $1`,
        [member.userId],
      );
      expect(memberRows).toEqual([{ field: 'phone', purpose: 'not stated' }]);

      const audit = `query($r: ID!) { personalDataAudit(filter: { residentId: $r }) { edges { node { actorUserId field purpose } } } }`;
      const asAdmin = await callSubgraph(service, caller(['admin']), audit, { r: ids[0] });
      const nodes = (
        asAdmin.data as { personalDataAudit: { edges: { node: { actorUserId: string } }[] } }
      ).personalDataAudit.edges;
      expect(nodes.map((e) => e.node.actorUserId).sort()).toEqual(
        // The registration answer itself carried the unmasked values to the staff who registered.
        [auditor.userId, auditor.userId, member.userId, staff.userId!, staff.userId!].sort(),
      );
      expect(
        (await callSubgraph(service, staff, audit, { r: ids[0] })).errors?.[0]?.extensions?.code,
      ).toBe('FORBIDDEN');
    });
  });

  describe('service requests', () => {
    const FILE = `mutation($input: FileServiceRequestInput!) { fileServiceRequest(input: $input) {
      id status type resident { id } history { from to actor } } }`;
    const STATUS = `query($id: ID!) { serviceRequest(id: $id) { status referredTo history { from to actor note } } }`;
    type Req = {
      id: string;
      status: string;
      history: { from: string | null; to: string; actor: string; note?: string }[];
    };
    let householdId: string;
    let residentId: string;
    let self: ReturnType<typeof caller>;

    beforeAll(async () => {
      ({ householdId } = await seedHousehold(asStaff));
      residentId = (await register(householdId)).id;
      self = caller(['resident'], { userId: 'resident-self', residentId });
    });

    const file = async (
      who: ReturnType<typeof caller>,
      input: Record<string, unknown>,
    ): Promise<GqlResult> => callSubgraph(service, who, FILE, { input });

    it('when a resident files a dispute for themself, then exactly one ServiceRequestFiled reaches Kafka', async () => {
      const res = await file(self, {
        type: 'DISPUTE',
        description: 'Water leaking from the flat above',
      });
      const req = dataOf<Req & { resident: { id: string } }>(res, 'fileServiceRequest');
      expect(req).toMatchObject({ status: 'FILED', type: 'DISPUTE', resident: { id: residentId } });
      expect(req.history).toEqual([{ from: null, to: 'FILED', actor: 'resident-self' }]);
      const mine = () => collector.messages.filter((m) => m.key === req.id);
      await waitFor('the ServiceRequestFiled event', () => (mine().length ? true : undefined));
      await waitFor('the outbox drained', async () =>
        (await service.relay.backlog()).count === 0 ? true : undefined,
      );
      expect(mine()).toHaveLength(1);
      expect(mine()[0]!.value).toMatchObject({
        type: 'ServiceRequestFiled',
        data: { requestId: req.id, residentId, householdId, type: 'dispute' },
      });
      expect(JSON.stringify(mine()[0]!.value)).not.toContain('Water leaking');
    });

    it('when a resident files for someone else, or gives no description, then it is refused and nothing is written', async () => {
      const before = await sql(`SELECT count(*)::int AS n FROM service_requests`);
      const other = await file(self, { residentId: randomUUID(), type: 'OTHER', description: 'x' });
      expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const empty = await file(self, { type: 'OTHER', description: '  ' });
      expect(empty.errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.description',
      });
      const unknown = await file(staff, {
        residentId: randomUUID(),
        type: 'OTHER',
        description: 'x',
      });
      expect(unknown.errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.residentId',
      });
      expect(await sql(`SELECT count(*)::int AS n FROM service_requests`)).toEqual(before);
    });

    it('when a description, note, resolution or reason carries a null byte, another control character or a lone surrogate, then BAD_USER_INPUT names it and nothing changes', async () => {
      const before = await sql(`SELECT count(*)::int AS n FROM service_requests`);
      for (const description of ['Leak\u0000', '\udfffLeak', 'Leak\u001b[2J']) {
        const res = await file(self, { type: 'OTHER', description });
        expect({ description, error: res.errors?.[0]?.extensions }).toEqual({
          description,
          error: { code: 'BAD_USER_INPUT', field: 'input.description' },
        });
      }
      expect(await sql(`SELECT count(*)::int AS n FROM service_requests`)).toEqual(before);
      // Free text keeps its line breaks.
      const description = 'Pension transfer.\nDocuments attached.';
      const req = dataOf<{ id: string }>(
        await file(staff, { residentId, type: 'SOCIAL_INSURANCE', description }),
        'fileServiceRequest',
      );
      const moves: [string, Record<string, unknown>, string][] = [
        [
          `mutation($id: ID!, $n: String) { startServiceRequest(input: { id: $id, note: $n }) { status } }`,
          { id: req.id, n: 'Taken\u0000up' },
          'input.note',
        ],
        [
          `mutation($id: ID!, $n: String!) { resolveServiceRequest(input: { id: $id, resolution: $n }) { status } }`,
          { id: req.id, n: 'Done\ud800' },
          'input.resolution',
        ],
        [
          `mutation($id: ID!, $n: String!) { rejectServiceRequest(input: { id: $id, reason: $n }) { status } }`,
          { id: req.id, n: 'No\u0000' },
          'input.reason',
        ],
        [
          `mutation($n: String!) { rejectServiceRequest(input: { id: "not-an-id", reason: $n }) { status } }`,
          { n: 'Duplicate' },
          'input.id',
        ],
      ];
      for (const [query, variables, field] of moves) {
        const res = await asStaff(query, variables);
        expect({ field, error: res.errors?.[0]?.extensions }).toEqual({
          field,
          error: { code: 'BAD_USER_INPUT', field },
        });
      }
      expect(
        await sql(`SELECT status, description FROM service_requests WHERE id = $1`, [req.id]),
      ).toEqual([{ status: 'filed', description }]);
      expect(
        await sql(`SELECT count(*)::int AS n FROM service_request_changes WHERE request_id = $1`, [
          req.id,
        ]),
      ).toEqual([{ n: 1 }]);
    });

    it('when a transition is not allowed, then CONFLICT names it and nothing changes; allowed ones are recorded', async () => {
      const req = dataOf<Req>(
        await file(staff, {
          residentId,
          type: 'SOCIAL_INSURANCE',
          description: 'Pension transfer',
        }),
        'fileServiceRequest',
      );
      const resolve = `mutation($id: ID!) { resolveServiceRequest(input: { id: $id, resolution: "Transferred" }) {
        status } }`;
      const early = await asStaff(resolve, { id: req.id });
      expect(early.errors?.[0]?.extensions).toEqual({ code: 'CONFLICT', field: 'input.id' });
      expect(early.errors?.[0]?.message).toBe('a filed request cannot become resolved');
      expect((await asStaff(STATUS, { id: req.id })).data).toEqual({
        serviceRequest: {
          status: 'FILED',
          referredTo: null,
          history: [{ from: null, to: 'FILED', actor: 'staff-hall', note: null }],
        },
      });

      const byResident = await callSubgraph(
        service,
        self,
        `mutation($id: ID!) { startServiceRequest(input: { id: $id }) { status } }`,
        {
          id: req.id,
        },
      );
      expect(byResident.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(
        (
          await asStaff(
            `mutation($id: ID!) { startServiceRequest(input: { id: $id, note: "taken" }) { status } }`,
            { id: req.id },
          )
        ).data,
      ).toEqual({
        startServiceRequest: { status: 'IN_PROGRESS' },
      });
      expect((await asStaff(resolve, { id: req.id })).data).toEqual({
        resolveServiceRequest: { status: 'RESOLVED' },
      });
      const reopen = await asStaff(
        `mutation($id: ID!) { rejectServiceRequest(input: { id: $id, reason: "no" }) { status } }`,
        { id: req.id },
      );
      expect(reopen.errors?.[0]?.extensions).toEqual({ code: 'CONFLICT', field: 'input.id' });
      const missing = await asStaff(resolve, { id: randomUUID() });
      expect(missing.errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND', field: 'input.id' });
      const final = (await asStaff(STATUS, { id: req.id })).data as { serviceRequest: Req };
      expect(final.serviceRequest.history.map((h) => [h.from, h.to])).toEqual([
        [null, 'FILED'],
        ['FILED', 'IN_PROGRESS'],
        ['IN_PROGRESS', 'RESOLVED'],
      ]);
      expect((await outboxOf(req.id)).map((e) => [e.type, e.data.outcome ?? e.data.to])).toEqual([
        ['ServiceRequestFiled', undefined],
        ['ServiceRequestStatusChanged', 'in_progress'],
        ['ServiceRequestStatusChanged', 'resolved'],
        ['ServiceRequestResolved', 'resolved'],
      ]);
    });

    it('when mediation acknowledges a dispute twice and facilities a fault, then each request is referred once', async () => {
      const dispute = dataOf<Req>(
        await file(self, { type: 'DISPUTE', description: 'Noise at night' }),
        'fileServiceRequest',
      );
      const fault = dataOf<Req>(
        await file(self, { type: 'FACILITY_FAULT', description: 'Broken swing' }),
        'fileServiceRequest',
      );
      const caseFiled = envelopeFor(CaseFiled, randomUUID(), {
        caseId: randomUUID(),
        source: 'service_request',
        serviceRequestId: dispute.id,
        partyResidentIds: [residentId],
      });
      await publishEnvelope(producer, MEDIATION_TOPICS.case, caseFiled);
      await publishEnvelope(producer, MEDIATION_TOPICS.case, caseFiled);
      await publishEnvelope(
        producer,
        FACILITIES_TOPICS.repairOrder,
        envelopeFor(RepairOrderOpened, randomUUID(), {
          repairOrderId: randomUUID(),
          equipmentId: null,
          facilityId: null,
          serviceRequestId: fault.id,
        }),
      );
      const statusOf = async (id: string) =>
        ((await asStaff(STATUS, { id })).data as { serviceRequest: Req & { referredTo: string } })
          .serviceRequest;
      await waitFor('both referred', async () =>
        (await statusOf(dispute.id)).status === 'REFERRED' &&
        (await statusOf(fault.id)).status === 'REFERRED'
          ? true
          : undefined,
      );
      await waitFor('the duplicate processed', async () => {
        const rows = await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM processed_events WHERE event_id = $1`,
          [caseFiled.id],
        );
        return rows[0]!.n === 1 ? true : undefined;
      });
      const d = await statusOf(dispute.id);
      expect(d.referredTo).toBe('mediation');
      expect(d.history.filter((h) => h.to === 'REFERRED')).toEqual([
        {
          from: 'FILED',
          to: 'REFERRED',
          actor: 'service:mediation',
          note: expect.stringContaining('mediation reference'),
        },
      ]);
      expect((await statusOf(fault.id)).referredTo).toBe('facilities');
      expect(
        (await outboxOf(dispute.id)).filter((e) => e.type === 'ServiceRequestResolved'),
      ).toEqual([
        {
          type: 'ServiceRequestResolved',
          data: expect.objectContaining({ outcome: 'referred', referredTo: 'mediation' }),
        },
      ]);
    });

    it('when a resident reads their record, then their own requests and household are visible and others are not', async () => {
      const res = await callSubgraph(
        service,
        self,
        `query($id: ID!) { resident(id: $id) { id household { id } serviceRequests { edges { node { id } } totalCount } } }`,
        { id: residentId },
      );
      const r = (
        res.data as {
          resident: {
            household: { id: string };
            serviceRequests: { edges: unknown[]; totalCount: number };
          };
        }
      ).resident;
      expect(r.household.id).toBe(householdId);
      expect(r.serviceRequests.edges.length).toBeGreaterThanOrEqual(3);
      expect(r.serviceRequests.totalCount).toBe(r.serviceRequests.edges.length);
      const list = await callSubgraph(
        service,
        caller(['resident'], { residentId: randomUUID() }),
        `{ serviceRequests { edges { node { id } } } }`,
      );
      expect(
        (list.data as { serviceRequests: { edges: unknown[] } }).serviceRequests.edges,
      ).toEqual([]);
    });
  });

  describe('pages', () => {
    let gridId: string;
    let households: string[];
    let residents: string[];
    const member = () => caller(['grid_member'], { userId: 'gm-pages', gridIds: [gridId] });
    const asMember = (q: string, v?: Record<string, unknown>) =>
      callSubgraph(service, member(), q, v);
    // Rows whose sort keys tie within one millisecond, so pages must break ties by id.
    const tied = `date_trunc('day', now()) - interval '30 days' + interval '123456 microseconds'
      + $2 * interval '1 microsecond'`;

    beforeAll(async () => {
      const seeded = await seedHousehold(asStaff);
      gridId = seeded.gridId;
      households = [seeded.householdId];
      for (let i = 1; i < 5; i++)
        households.push((await addHousehold(seeded.buildingId, `paged-${i}`)).id);
      residents = [];
      for (const [i, h] of households.entries())
        residents.push(
          (
            await register(h, {
              tags: ['elderly_living_alone'],
              idCardNumber: idCardFor(`194${i}-04-04`),
              birthDate: `194${i}-04-04`,
            })
          ).id,
        );
      // The first household and its resident have five visits and five requests; the others were
      // registered a month ago, all in one millisecond, and never visited. Every household is due
      // a visit and has a follow-up scheduled.
      for (let i = 0; i < 5; i++) {
        await sql(
          `INSERT INTO visits (id, household_id, grid_id, visitor_user_id, visited_at, notes)
           VALUES ($1, $3, $4, 'gm-pages', ${tied} - interval '30 days', 'paged')`,
          [randomUUID(), i % 2, households[0], gridId],
        );
        if (i > 0)
          await sql(`UPDATE households SET created_at = ${tied} WHERE id = $1`, [
            households[i],
            i % 2,
          ]);
        await sql(
          `INSERT INTO service_requests (id, resident_id, household_id, grid_id, type, description, status, filed_by, filed_at)
           VALUES ($1, $3, $4, $5, 'other', 'paged', 'filed', 'staff-hall', ${tied})`,
          [randomUUID(), i % 2, residents[0], households[0], gridId],
        );
        await sql(
          `INSERT INTO scheduled_visits (id, household_id, grid_id, reason, reference_id, due_on)
           VALUES ($1, $2, $3, 'follow_up', $4, DATE '2026-02-01' + $5::int)`,
          [randomUUID(), households[i], gridId, randomUUID(), i % 2],
        );
      }
    });

    const ids = async (text: string, params: unknown[]) =>
      (await sql<{ id: string }>(text, params)).map((r) => r.id);

    it('when the households due a visit, the scheduled visits and the service requests of a grid are read a page at a time, then the pages cover every row once in order, one statement each, counted only when asked', async () => {
      const listings: [string, string, string[]][] = [
        // One cadence for all: due in the order of their last visit, else their registration.
        [
          'visitsDue',
          `gridId: "${gridId}"`,
          await ids(
            `SELECT h.id FROM households h
               LEFT JOIN (SELECT household_id, max(visited_at) AS at FROM visits GROUP BY household_id) l
                 ON l.household_id = h.id
              WHERE h.grid_id = $1 ORDER BY date_trunc('milliseconds', coalesce(l.at, h.created_at)), h.id`,
            [gridId],
          ),
        ],
        [
          'scheduledVisits',
          `gridId: "${gridId}"`,
          await ids(
            `SELECT id FROM scheduled_visits WHERE grid_id = $1 AND status = 'scheduled' ORDER BY due_on, id`,
            [gridId],
          ),
        ],
        [
          'serviceRequests',
          `filter: { gridId: "${gridId}" }`,
          await ids(
            `SELECT id FROM service_requests WHERE grid_id = $1 ORDER BY date_trunc('milliseconds', filed_at) DESC, id DESC`,
            [gridId],
          ),
        ],
      ];
      for (const [field, args, expected] of listings) {
        expect({ field, rows: expected.length }).toEqual({ field, rows: 5 });
        const nodes = await readAllPages<{ id: string }>(asMember, field, {
          first: 2,
          args,
          node: 'id',
          statements: 1,
        });
        expect({ field, ids: nodes.map((n) => n.id) }).toEqual({ field, ids: expected });
        const counted = await asMember(`{ ${field}(${args}) { totalCount } }`);
        expect(counted.data).toEqual({ [field]: { totalCount: 5 } });
        expect(counted.statements).toBe(2);
        await expectPageBoundsRefused(asMember, field, args);
      }
    });

    it('when a household’s visits and a resident’s service requests are read a page at a time, then the pages cover every row once, newest first, in one statement each', async () => {
      const newestFirst = (table: string, parent: string, key: string, id: string) =>
        ids(
          `SELECT id FROM ${table} WHERE ${parent} = $1 ORDER BY date_trunc('milliseconds', ${key}) DESC, id DESC`,
          [id],
        );
      const nested: [string, string, string, string[]][] = [
        [
          'Household',
          households[0]!,
          'visits',
          await newestFirst('visits', 'household_id', 'visited_at', households[0]!),
        ],
        [
          'Resident',
          residents[0]!,
          'serviceRequests',
          await newestFirst('service_requests', 'resident_id', 'filed_at', residents[0]!),
        ],
      ];
      for (const [type, id, field, expected] of nested) {
        expect(expected).toHaveLength(5);
        const through = nestedCall(member(), type, id, field);
        // The entity is one statement, its page another.
        const nodes = await readAllPages<{ id: string }>(through, field, {
          first: 2,
          node: 'id',
          statements: 2,
        });
        expect(nodes.map((n) => n.id)).toEqual(expected);
        const counted = await through(`{ ${field} { totalCount } }`);
        expect(counted.data).toEqual({ [field]: { totalCount: 5 } });
        expect(counted.statements).toBe(3);
        await expectPageBoundsRefused(through, field);
      }
    });

    it('when many households and residents are read with their visits and requests, then each page is one statement for one parent as for five, and the totals one more', async () => {
      const households5 = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Household {
        id visits(first: 2) { edges { node { id } } totalCount } } } }`;
      const residents5 = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Resident {
        id serviceRequests(first: 2) { edges { node { id } } totalCount } } } }`;
      for (const [query, typename, parents, field] of [
        [households5, 'Household', households, 'visits'],
        [residents5, 'Resident', residents, 'serviceRequests'],
      ] as const) {
        for (const n of [1, 5]) {
          const res = await asMember(query, {
            reps: parents.slice(0, n).map((id) => ({ __typename: typename, id })),
          });
          const entities = (
            res.data as {
              _entities: Record<string, { edges: unknown[]; totalCount: number }>[];
            }
          )._entities;
          expect(entities.map((e) => [e[field]!.edges.length, e[field]!.totalCount])).toEqual(
            [
              [2, 5],
              [0, 0],
              [0, 0],
              [0, 0],
              [0, 0],
            ].slice(0, n),
          );
          // The parents, their pages, their totals: three statements however many parents.
          expect({ typename, n, statements: res.statements }).toEqual({
            typename,
            n,
            statements: 3,
          });
        }
      }
    });

    it('when a caller may not read a household’s visits or some of a resident’s requests, then the page leaves them out', async () => {
      const home = caller(['resident'], { userId: 'resident-paged', residentId: residents[0] });
      const visits = await nestedCall(
        home,
        'Household',
        households[0]!,
        'visits',
      )(`{ visits { edges { node { id } } pageInfo { hasNextPage } totalCount } }`);
      expect(visits.data).toEqual({
        visits: { edges: [], pageInfo: { hasNextPage: false }, totalCount: 0 },
      });
      // A request filed while the resident's household was in another grid: the grid member of
      // this grid does not see it, the resident does.
      await sql(
        `INSERT INTO service_requests (id, resident_id, household_id, grid_id, type, description, status, filed_by)
         VALUES ($1, $2, $3, $4, 'other', 'elsewhere', 'filed', 'staff-hall')`,
        [randomUUID(), residents[1], households[1], (await seedHousehold(asStaff)).gridId],
      );
      const count = (who: ReturnType<typeof caller>) =>
        nestedCall(
          who,
          'Resident',
          residents[1]!,
          'serviceRequests',
        )(`{ serviceRequests { totalCount edges { node { id } } } }`);
      const byMember = (await count(member())).data as {
        serviceRequests: { totalCount: number; edges: unknown[] };
      };
      expect([byMember.serviceRequests.totalCount, byMember.serviceRequests.edges.length]).toEqual([
        0, 0,
      ]);
      const self = caller(['resident'], { userId: 'resident-1', residentId: residents[1] });
      const bySelf = (await count(self)).data as {
        serviceRequests: { totalCount: number; edges: unknown[] };
      };
      expect([bySelf.serviceRequests.totalCount, bySelf.serviceRequests.edges.length]).toEqual([
        1, 1,
      ]);
    });

    it('when entities are read, then each has an id a client cache can key it by', async () => {
      const res = await asStaff(
        `query($r: ID!, $g: ID!) {
          me { id }
          keyGroupTags { id code }
          visitsDue(gridId: $g, first: 1) { edges { node { id household { id } } } }
          resident(id: $r) { serviceRequests(first: 1) { edges { node { history { id } } } } } }`,
        { r: residents[0], g: gridId },
      );
      const data = res.data as {
        me: { id: string };
        keyGroupTags: { id: string; code: string }[];
        visitsDue: { edges: { node: { id: string; household: { id: string } } }[] };
        resident: { serviceRequests: { edges: { node: { history: { id: string }[] } }[] } };
      };
      expect(data.me.id).toBe('staff-hall');
      expect(data.keyGroupTags.every((t) => t.id === t.code)).toBe(true);
      expect(data.visitsDue.edges[0]!.node.id).toBe(data.visitsDue.edges[0]!.node.household.id);
      // Inserted without a history; a request filed through the API has its first change.
      expect(data.resident.serviceRequests.edges[0]!.node.history).toEqual([]);
      const filed = dataOf<{ history: { id: string }[] }>(
        await asStaff(
          `mutation($r: ID!) { fileServiceRequest(input: { residentId: $r, type: OTHER, description: "Keyed" }) {
            history { id } } }`,
          { r: residents[2] },
        ),
        'fileServiceRequest',
      );
      const [change] = await sql<{ id: string }>(
        `SELECT c.id::text FROM service_request_changes c JOIN service_requests r ON r.id = c.request_id
          WHERE r.resident_id = $1`,
        [residents[2]],
      );
      expect(filed.history).toEqual([{ id: change!.id }]);
    });
  });
});
