import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import type { Caller, RunningService } from '@liyuan/kit';
import {
  MEDIATION_TOPICS,
  RESIDENTS_TOPICS,
  ResidentMovedOut,
  ServiceRequestFiled,
} from '@liyuan/schemas';
import { canMove, type CaseStatus } from '../src/domain/case-status';
import {
  collectTopics,
  envelopeFor,
  publishEnvelope,
  testKafka,
  type Received,
} from '@liyuan/test-support/kafka';
import { underEntity } from '@liyuan/test-support/entity-pages';
import { expectPageBoundsRefused, readAllPages } from '@liyuan/test-support/pages';
import { callSubgraph, caller, startTestService, type GqlResult } from '@liyuan/test-support/stack';
import { waitFor } from '@liyuan/test-support/wait';
import { announceResidents } from '@liyuan/test-support/references';

const DAY = 86_400_000;
/** The community's calendar date `days` from today (negative: back). */
const beijingDay = (days: number) =>
  new Date(Date.now() + days * DAY + 8 * 3_600_000).toISOString().slice(0, 10);
/** `date` moved by whole days. */
const plusDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
/** The day an agreement of the tests is signed: ten days ago. */
const SIGNED_ON = beijingDay(-10);

/** People's mediation on real PostgreSQL and Kafka. */
describe('mediation: cases', () => {
  let service: RunningService;
  let stop: () => Promise<void>;
  let producer: Producer;
  let collector: { messages: Received[]; stop(): Promise<void> };
  let mediatorId: string;
  /** Two residents the registry announced: the parties of a case unless a test names its own. */
  let usual: [string, string];
  const staff = caller(['staff'], { userId: 'committee-1' });
  const mediatorUser = caller(['mediator'], { userId: `mediator-${randomUUID()}` });
  const asStaff = (q: string, v?: Record<string, unknown>) => callSubgraph(service, staff, q, v);
  const sql = <T>(text: string, params: unknown[] = []) =>
    service.db.dataSource.query(text, params) as Promise<T[]>;
  const ok = <T>(res: GqlResult, field: string): T => {
    const v = (res.data as Record<string, T> | null)?.[field];
    if (!v) throw new Error(`${field}: ${JSON.stringify(res.errors)}`);
    return v;
  };

  beforeAll(async () => {
    ({ service, stop } = await startTestService('mediation'));
    await service.eventsReady;
    producer = testKafka().producer();
    await producer.connect();
    collector = await collectTopics([MEDIATION_TOPICS.case]);
    const [a, b] = await announceResidents(producer, service, [randomUUID(), randomUUID()]);
    usual = [a!, b!];
    mediatorId = ok<{ id: string }>(
      await asStaff(
        `mutation($u: String!) { addMediator(input: { name: "Gao Ping", userId: $u, specialties: [NEIGHBOUR] }) { id } }`,
        {
          u: mediatorUser.userId,
        },
      ),
      'addMediator',
    ).id;
  });
  afterAll(async () => {
    await collector.stop();
    await producer.disconnect();
    await stop();
  });

  const FILE = `mutation($input: FileCaseInput!) { fileCase(input: $input) { id status } }`;
  const fileCase = async (applicant = usual[0], respondent = usual[1]) =>
    ok<{ id: string }>(
      await asStaff(FILE, {
        input: {
          category: 'NEIGHBOUR',
          source: 'COMMITTEE',
          summary: 'Water leaking into the flat below',
          parties: [
            { residentId: applicant, role: 'APPLICANT' },
            { residentId: respondent, role: 'RESPONDENT' },
          ],
        },
      }),
      'fileCase',
    ).id;

  const ACTIONS: Record<string, { to: CaseStatus; run: (id: string) => Promise<GqlResult> }> = {
    accept: {
      to: 'accepted',
      run: (id) =>
        asStaff(`mutation($id: ID!) { acceptCase(input: { id: $id }) { status } }`, { id }),
    },
    decline: {
      to: 'declined',
      run: (id) =>
        asStaff(
          `mutation($id: ID!) { declineCase(input: { id: $id, reason: "not a dispute" }) { status } }`,
          {
            id,
          },
        ),
    },
    start: {
      to: 'in_mediation',
      run: (id) =>
        asStaff(`mutation($id: ID!) { startMediation(input: { id: $id }) { status } }`, { id }),
    },
    agree: {
      to: 'agreement_reached',
      run: (id) =>
        asStaff(
          `mutation($id: ID!, $on: Date!) { reachAgreement(input: { caseId: $id, agreement: { form: WRITTEN, terms: "Share the repair", signedOn: $on } }) { status } }`,
          { id, on: SIGNED_ON },
        ),
    },
    fail: {
      to: 'failed',
      run: (id) =>
        asStaff(
          `mutation($id: ID!) { failMediation(input: { caseId: $id, reason: "no common ground" }) { status } }`,
          { id },
        ),
    },
    withdraw: {
      to: 'withdrawn',
      run: (id) =>
        asStaff(`mutation($id: ID!) { withdrawCase(input: { caseId: $id }) { status } }`, { id }),
    },
    close: {
      to: 'closed',
      run: (id) =>
        asStaff(`mutation($id: ID!) { closeCase(input: { caseId: $id }) { status } }`, { id }),
    },
  };
  /** The actions that take a new case to `status`. */
  const PATHS: Record<CaseStatus, string[]> = {
    filed: [],
    accepted: ['accept'],
    declined: ['decline'],
    in_mediation: ['accept', 'start'],
    agreement_reached: ['accept', 'start', 'agree'],
    failed: ['accept', 'start', 'fail'],
    withdrawn: ['accept', 'withdraw'],
    closed: ['accept', 'start', 'agree', 'close'],
  };
  const caseAt = async (status: CaseStatus): Promise<string> => {
    const id = await fileCase();
    await asStaff(
      `mutation($c: ID!, $m: ID!) { assignMediator(input: { caseId: $c, mediatorId: $m }) { id } }`,
      { c: id, m: mediatorId },
    );
    for (const step of PATHS[status]) ok(await ACTIONS[step]!.run(id), fieldOf(step));
    return id;
  };
  const fieldOf = (step: string) =>
    ({
      accept: 'acceptCase',
      decline: 'declineCase',
      start: 'startMediation',
      agree: 'reachAgreement',
      fail: 'failMediation',
      withdraw: 'withdrawCase',
      close: 'closeCase',
    })[step]!;
  const statusOf = async (id: string) =>
    (
      await sql<{ status: string; changes: number }>(
        `SELECT status, (SELECT count(*)::int FROM case_changes WHERE case_id = $1) AS changes FROM cases WHERE id = $1`,
        [id],
      )
    )[0]!;

  it('when every action is tried on a case in every status, then only the state machine’s moves change it', async () => {
    for (const status of Object.keys(PATHS) as CaseStatus[]) {
      for (const [name, action] of Object.entries(ACTIONS)) {
        const id = await caseAt(status);
        const before = await statusOf(id);
        const res = await action.run(id);
        if (canMove(status, action.to)) {
          expect({ status, name, errors: res.errors }).toEqual({ status, name, errors: undefined });
          expect((await statusOf(id)).status).toBe(action.to);
        } else {
          expect({ status, name, code: res.errors?.[0]?.extensions?.code }).toEqual({
            status,
            name,
            code: 'CONFLICT',
          });
          expect(await statusOf(id)).toEqual(before);
        }
      }
    }
  });

  it('when a case moves, then each move commits one CaseStatusChanged with both statuses and nothing personal', async () => {
    const id = await caseAt('closed');
    const moves = () =>
      sql<{ data: { caseId: string; from: string; to: string } }>(
        `SELECT envelope->'data' AS data FROM outbox_events
          WHERE type = 'CaseStatusChanged' AND aggregate_id = $1 ORDER BY seq`,
        [id],
      );
    expect((await moves()).map((r) => r.data)).toEqual([
      { caseId: id, from: 'filed', to: 'accepted' },
      { caseId: id, from: 'accepted', to: 'in_mediation' },
      { caseId: id, from: 'in_mediation', to: 'agreement_reached' },
      { caseId: id, from: 'agreement_reached', to: 'closed' },
    ]);
    // A refused move publishes nothing.
    expect((await ACTIONS.accept!.run(id)).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(await moves()).toHaveLength(4);
  });

  it('when staff remove a party named in error, then the resident no longer sees the case; the applicant, a closed case and a stranger’s party are refused', async () => {
    const id = await caseAt('accepted');
    const parties = async (caseId = id) =>
      (
        (await asStaff(`query($id: ID!) { case(id: $id) { parties { id role } } }`, { id: caseId }))
          .data as { case: { parties: { id: string; role: string }[] } }
      ).case.parties;
    const [applicant, respondent] = await parties();
    const REMOVE = `mutation($c: ID!, $p: ID!) { removeParty(input: { caseId: $c, partyId: $p }) { id parties { role } } }`;
    const remove = (c: string, p: string, who: Caller = staff) =>
      callSubgraph(service, who, REMOVE, { c, p });
    const asRespondent = caller(['resident'], { userId: 'respondent', residentId: usual[1] });
    const sees = async () =>
      (
        (
          await callSubgraph(service, asRespondent, `query($id: ID!) { case(id: $id) { id } }`, {
            id,
          })
        ).data as { case: unknown }
      ).case !== null;
    expect(await sees()).toBe(true);

    expect((await remove(id, respondent!.id, mediatorUser)).errors?.[0]?.extensions?.code).toBe(
      'FORBIDDEN',
    );
    expect((await remove(id, applicant!.id)).errors?.[0]?.extensions).toEqual({
      code: 'CONFLICT',
      field: 'input.partyId',
    });
    const other = await fileCase();
    expect((await remove(id, (await parties(other))[1]!.id)).errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.partyId',
    });
    expect((await remove(id, 'party-2')).errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.partyId',
    });
    expect(await parties()).toHaveLength(2);

    const removed = ok<{ parties: { role: string }[] }>(
      await remove(id, respondent!.id),
      'removeParty',
    );
    expect(removed.parties).toEqual([{ role: 'APPLICANT' }]);
    expect(await sees()).toBe(false);
    const [event] = await sql<{ data: unknown }>(
      `SELECT envelope->'data' AS data FROM outbox_events WHERE type = 'CasePartyRemoved' AND aggregate_id = $1`,
      [id],
    );
    expect(event!.data).toEqual({ caseId: id, residentId: usual[1] });

    const closed = await caseAt('closed');
    const closedParties = await parties(closed);
    expect((await remove(closed, closedParties[1]!.id)).errors?.[0]?.extensions).toEqual({
      code: 'CONFLICT',
      field: 'input.caseId',
    });
  });

  it('when a case is read, then each party has an id of its own, the same on every read, also for parties stored without one', async () => {
    const filed = await fileCase();
    // A party row written without an id (as rows before ids were) gets one from the database.
    const older = randomUUID();
    await sql(
      `INSERT INTO cases (id, category, source, summary, status, created_by)
       VALUES ($1, 'other', 'committee', 'Older case', 'filed', 'test')`,
      [older],
    );
    await sql(
      `INSERT INTO case_parties (case_id, resident_id, role) VALUES ($1, $2, 'applicant'), ($1, $3, 'respondent')`,
      [older, usual[0], usual[1]],
    );
    const read = async (id: string) =>
      (
        (await asStaff(`query($id: ID!) { case(id: $id) { parties { id role } } }`, { id }))
          .data as { case: { parties: { id: string; role: string }[] } }
      ).case.parties;
    for (const id of [filed, older]) {
      const parties = await read(id);
      expect(parties.map((p) => p.role)).toEqual(['APPLICANT', 'RESPONDENT']);
      expect(parties.every((p) => /^[0-9a-f-]{36}$/.test(p.id))).toBe(true);
      expect(new Set(parties.map((p) => p.id)).size).toBe(2);
      expect(await read(id)).toEqual(parties);
      const stored = await sql<{ id: string }>(
        `SELECT id FROM case_parties WHERE case_id = $1 ORDER BY role, resident_id`,
        [id],
      );
      expect(stored.map((r) => r.id)).toEqual(parties.map((p) => p.id));
    }
  });

  it('when a party refuses mediation, then the case ends (declined when filed, failed once accepted)', async () => {
    const applicant = (await announceResidents(producer, service))[0]!;
    const filed = await fileCase(applicant);
    const party = caller(['resident'], { residentId: applicant });
    const refuse = `mutation($id: ID!) { refuseMediation(input: { caseId: $id }) { status outcomeNote parties { refusedAt } } }`;
    expect(
      (
        await callSubgraph(service, caller(['resident'], { residentId: randomUUID() }), refuse, {
          id: filed,
        })
      ).errors?.[0]?.extensions?.code,
    ).toBe('FORBIDDEN');
    const r1 = ok<{ status: string; outcomeNote: string }>(
      await callSubgraph(service, party, refuse, { id: filed }),
      'refuseMediation',
    );
    expect(r1).toMatchObject({ status: 'DECLINED', outcomeNote: 'a party refused mediation' });
    const accepted = await caseAt('in_mediation');
    const parties = await sql<{ resident_id: string }>(
      `SELECT resident_id FROM case_parties WHERE case_id = $1 AND role = 'respondent'`,
      [accepted],
    );
    const respondent = caller(['resident'], { residentId: parties[0]!.resident_id });
    expect(
      ok<{ status: string }>(
        await callSubgraph(service, respondent, refuse, { id: accepted }),
        'refuseMediation',
      ).status,
    ).toBe('FAILED');
  });

  it('when an agreement is reached, then AgreementReached names the parties, the court deadline is 30 days, a follow-up is due', async () => {
    const [a, b] = await announceResidents(producer, service, [randomUUID(), randomUUID()]);
    const id = await fileCase(a!, b!);
    await asStaff(
      `mutation($c: ID!, $m: ID!) { assignMediator(input: { caseId: $c, mediatorId: $m, chosenByParties: true }) { id } }`,
      { c: id, m: mediatorId },
    );
    await ACTIONS.accept!.run(id);
    await callSubgraph(
      service,
      mediatorUser,
      `mutation($id: ID!) { startMediation(input: { id: $id }) { status } }`,
      { id },
    );
    const session = await callSubgraph(
      service,
      mediatorUser,
      `mutation($id: ID!, $who: [ID!]!, $at: DateTime!) { recordSession(input: { caseId: $id, heldAt: $at, attendeeIds: $who, record: "Both attended" }) { id } }`,
      { id, who: [a, b], at: `${beijingDay(-11)}T10:00:00+08:00` },
    );
    expect(session.errors).toBeUndefined();
    const stranger = await callSubgraph(
      service,
      mediatorUser,
      `mutation($id: ID!, $who: [ID!]!, $at: DateTime!) {
      recordSession(input: { caseId: $id, heldAt: $at, attendeeIds: $who, record: "x" }) { id } }`,
      { id, who: [randomUUID()], at: `${beijingDay(-11)}T11:00:00+08:00` },
    );
    expect(stranger.errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.attendeeIds',
    });
    const res = await callSubgraph(
      service,
      mediatorUser,
      `mutation($id: ID!, $on: Date!) { reachAgreement(input: { caseId: $id, agreement: { form: WRITTEN, terms: "Share the repair", signedOn: $on } }) {
        status agreement { courtConfirmationDeadline } followUps { id dueOn } sessions { attendees { id } } } }`,
      { id, on: SIGNED_ON },
    );
    const c = ok<{
      status: string;
      agreement: { courtConfirmationDeadline: string };
      followUps: { id: string; dueOn: string }[];
    }>(res, 'reachAgreement');
    expect(c.status).toBe('AGREEMENT_REACHED');
    await waitFor('AgreementReached', () =>
      collector.messages.find((m) => m.key === id && m.value.type === 'AgreementReached'),
    );
    const event = collector.messages.find(
      (m) => m.key === id && m.value.type === 'AgreementReached',
    )!;
    expect((event.value.data as { partyResidentIds: string[] }).partyResidentIds.sort()).toEqual(
      [a, b].sort(),
    );
    expect(JSON.stringify(event.value)).not.toContain('Share the repair');
    const view = (
      await asStaff(
        `query($id: ID!) { case(id: $id) { agreement { courtConfirmationDeadline } followUps { id dueOn } } }`,
        { id },
      )
    ).data as {
      case: {
        agreement: { courtConfirmationDeadline: string };
        followUps: { id: string; dueOn: string }[];
      };
    };
    expect(view.case.agreement.courtConfirmationDeadline).toBe(plusDays(SIGNED_ON, 30));
    expect(view.case.followUps).toEqual([
      { id: expect.any(String), dueOn: plusDays(SIGNED_ON, 14) },
    ]);
    const record = `mutation($f: ID!) { recordFollowUp(input: { followUpId: $f, outcome: "Holds" }) { doneAt } }`;
    expect(
      (
        await callSubgraph(service, caller(['mediator'], { userId: 'other-mediator' }), record, {
          f: view.case.followUps[0]!.id,
        })
      ).errors?.[0]?.extensions?.code,
    ).toBe('FORBIDDEN');
    expect(
      (await callSubgraph(service, mediatorUser, record, { f: view.case.followUps[0]!.id })).errors,
    ).toBeUndefined();
  });

  it('when different roles look at a case, then only its parties, its mediators and mediation staff see it', async () => {
    const a = (await announceResidents(producer, service))[0]!;
    const id = await fileCase(a);
    await asStaff(
      `mutation($c: ID!, $m: ID!) { assignMediator(input: { caseId: $c, mediatorId: $m }) { id } }`,
      { c: id, m: mediatorId },
    );
    const q = `query($id: ID!, $r: [_Any!]!) { case(id: $id) { id summary }
      _entities(representations: $r) { ... on Resident { mediationCases { edges { node { id } } } } } }`;
    const v = { id, r: [{ __typename: 'Resident', id: a }] };
    const sees = (res: GqlResult) => ({
      case: (res.data as { case: unknown }).case !== null,
      list: (res.data as { _entities: { mediationCases: { edges: unknown[] } }[] })._entities[0]!
        .mediationCases.edges.length,
      errors: res.errors,
    });
    expect(
      sees(await callSubgraph(service, caller(['resident'], { residentId: a }), q, v)),
    ).toEqual({ case: true, list: 1, errors: undefined });
    expect(sees(await callSubgraph(service, mediatorUser, q, v))).toEqual({
      case: true,
      list: 1,
      errors: undefined,
    });
    expect(sees(await asStaff(q, v))).toEqual({ case: true, list: 1, errors: undefined });
    for (const other of [
      caller(['resident'], { residentId: randomUUID() }),
      caller(['mediator'], { userId: 'unassigned-mediator' }),
      caller(['volunteer_lead']),
      caller(['grid_member'], { gridIds: [randomUUID()] }),
    ]) {
      expect(sees(await callSubgraph(service, other, q, v))).toEqual({
        case: false,
        list: 0,
        errors: undefined,
      });
    }
  });

  describe('who a case may name, its dates and its text', () => {
    const casesWith = async (summary: string) =>
      (
        await sql<{ n: number }>(`SELECT count(*)::int AS n FROM cases WHERE summary = $1`, [
          summary,
        ])
      )[0]!.n;
    const input = (summary: string, parties: [string, string][], source = 'COMMITTEE') => ({
      input: {
        category: 'NEIGHBOUR',
        source,
        summary,
        parties: parties.map(([residentId, role]) => ({ residentId, role })),
      },
    });

    it('when a case names a party the registry never announced, then BAD_USER_INPUT names that party and nothing is written; a resident filing names themself before their announcement arrives', async () => {
      const summary = `Fence dispute ${randomUUID()}`;
      const unknown = await asStaff(
        FILE,
        input(summary, [
          [usual[0], 'APPLICANT'],
          [randomUUID(), 'RESPONDENT'],
        ]),
      );
      expect(unknown.errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.parties.1.residentId',
      });
      const first = await asStaff(
        FILE,
        input(summary, [
          [randomUUID(), 'APPLICANT'],
          [usual[1], 'RESPONDENT'],
        ]),
      );
      expect(first.errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.parties.0.residentId',
      });
      // A resident's own id comes signed by the gateway: it may be ahead of the registry's event.
      const newcomer = randomUUID();
      const self = caller(['resident'], { residentId: newcomer });
      const againstStranger = await callSubgraph(
        service,
        self,
        FILE,
        input(
          summary,
          [
            [newcomer, 'APPLICANT'],
            [randomUUID(), 'RESPONDENT'],
          ],
          'APPLICATION',
        ),
      );
      expect(againstStranger.errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.parties.1.residentId',
      });
      expect(await casesWith(summary)).toBe(0);
      ok(
        await callSubgraph(
          service,
          self,
          FILE,
          input(
            summary,
            [
              [newcomer, 'APPLICANT'],
              [usual[1], 'RESPONDENT'],
            ],
            'APPLICATION',
          ),
        ),
        'fileCase',
      );
      expect(await casesWith(summary)).toBe(1);
    });

    it('when a party has moved out, then mediation knows it from the event and a case may still name them', async () => {
      const [leaving] = await announceResidents(producer, service);
      await publishEnvelope(
        producer,
        RESIDENTS_TOPICS.resident,
        envelopeFor(ResidentMovedOut, leaving!, {
          residentId: leaving,
          householdId: randomUUID(),
          gridId: randomUUID(),
          movedOutOn: beijingDay(-1),
        }),
      );
      await waitFor('the move-out recorded', async () =>
        (
          await sql<{ status: string }>(
            `SELECT status FROM known_residents WHERE resident_id = $1`,
            [leaving],
          )
        )[0]?.status === 'moved_out'
          ? true
          : undefined,
      );
      ok(
        await asStaff(
          FILE,
          input('Unpaid rent after moving out', [
            [usual[0], 'APPLICANT'],
            [leaving!, 'RESPONDENT'],
          ]),
        ),
        'fileCase',
      );
    });

    it('when a session names an attendee twice or a mediator a specialty twice, then BAD_USER_INPUT names the list and nothing is stored', async () => {
      const id = await caseAt('in_mediation');
      const twice = await asStaff(
        `mutation($id: ID!, $who: [ID!]!, $at: DateTime!) { recordSession(input: { caseId: $id, heldAt: $at, attendeeIds: $who, record: "Heard" }) { id } }`,
        { id, who: [usual[0], usual[0]], at: new Date(Date.now() - 3_600_000).toISOString() },
      );
      expect(twice.errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.attendeeIds',
      });
      expect(await sql(`SELECT id FROM mediation_sessions WHERE case_id = $1`, [id])).toEqual([]);
      const userId = `mediator-${randomUUID()}`;
      const repeated = await asStaff(
        `mutation($u: String!) { addMediator(input: { name: "Ma Xiulan", userId: $u, specialties: [FAMILY, FAMILY] }) { id } }`,
        { u: userId },
      );
      expect(repeated.errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.specialties',
      });
      expect(await sql(`SELECT id FROM mediators WHERE user_id = $1`, [userId])).toEqual([]);
    });

    it('when a session or an agreement is dated outside its plausible range, then BAD_USER_INPUT names the field and the case is unchanged', async () => {
      const id = await caseAt('in_mediation');
      const session = `mutation($id: ID!, $who: [ID!]!, $at: DateTime!) { recordSession(input: { caseId: $id, heldAt: $at, attendeeIds: $who, record: "Heard" }) { id } }`;
      for (const at of [
        '0001-01-01T10:00:00Z',
        `${beijingDay(-400)}T10:00:00+08:00`,
        '9999-12-31T10:00:00Z',
        new Date(Date.now() + DAY).toISOString(),
      ]) {
        const res = await asStaff(session, { id, who: [usual[0]], at });
        expect({ at, error: res.errors?.[0]?.extensions }).toEqual({
          at,
          error: { code: 'BAD_USER_INPUT', field: 'input.heldAt' },
        });
      }
      const agree = `mutation($id: ID!, $on: Date!) { reachAgreement(input: { caseId: $id, agreement: { form: ORAL, terms: "Quiet after ten", signedOn: $on } }) { id } }`;
      for (const on of ['0001-01-01', beijingDay(-366), '9999-12-31', beijingDay(2)]) {
        const res = await asStaff(agree, { id, on });
        expect({ on, error: res.errors?.[0]?.extensions }).toEqual({
          on,
          error: { code: 'BAD_USER_INPUT', field: 'input.agreement.signedOn' },
        });
      }
      expect(await sql(`SELECT id FROM mediation_sessions WHERE case_id = $1`, [id])).toEqual([]);
      expect((await statusOf(id)).status).toBe('in_mediation');
      // The edges of the range are accepted.
      ok(
        await asStaff(session, { id, who: [usual[0]], at: `${beijingDay(-364)}T10:00:00+08:00` }),
        'recordSession',
      );
      ok(await asStaff(agree, { id, on: beijingDay(-364) }), 'reachAgreement');
    });

    it('when a string argument carries a null byte, another control character or a lone surrogate, then BAD_USER_INPUT names the field and nothing changes', async () => {
      const filed = await caseAt('filed');
      const mediating = await caseAt('in_mediation');
      const agreed = await caseAt('agreement_reached');
      const followUpId = (
        await sql<{ id: string }>(`SELECT id FROM follow_ups WHERE case_id = $1`, [agreed])
      )[0]!.id;
      const before = await Promise.all([filed, mediating, agreed].map(statusOf));
      const summary = `Noise\u0000at night ${randomUUID()}`;
      const cases: [string, string, Record<string, unknown>, string][] = [
        [
          'a case summary',
          FILE,
          input(summary, [
            [usual[0], 'APPLICANT'],
            [usual[1], 'RESPONDENT'],
          ]),
          'input.summary',
        ],
        [
          'who referred it',
          FILE,
          {
            input: {
              ...input(
                'Referred by the police',
                [
                  [usual[0], 'APPLICANT'],
                  [usual[1], 'RESPONDENT'],
                ],
                'REFERRAL',
              ).input,
              referralFrom: 'Police \ud800station',
            },
          },
          'input.referralFrom',
        ],
        [
          'a reason to decline',
          `mutation($id: ID!, $r: String!) { declineCase(input: { id: $id, reason: $r }) { id } }`,
          { id: filed, r: 'Not\u0000a dispute' },
          'input.reason',
        ],
        [
          'a session record',
          `mutation($id: ID!, $who: [ID!]!, $r: String!) { recordSession(input: { caseId: $id, heldAt: "${new Date(Date.now() - 3_600_000).toISOString()}", attendeeIds: $who, record: $r }) { id } }`,
          { id: mediating, who: [usual[0]], r: 'Both\u0007 attended' },
          'input.record',
        ],
        [
          'agreement terms',
          `mutation($id: ID!, $t: String!) { reachAgreement(input: { caseId: $id, agreement: { form: WRITTEN, terms: $t, signedOn: "${beijingDay(0)}" } }) { id } }`,
          { id: mediating, t: '\udc00Share the cost' },
          'input.agreement.terms',
        ],
        [
          'a reason to fail',
          `mutation($id: ID!, $r: String!) { failMediation(input: { caseId: $id, reason: $r }) { id } }`,
          { id: mediating, r: 'No\u0000common ground' },
          'input.reason',
        ],
        [
          'a follow-up outcome',
          `mutation($f: ID!, $o: String!) { recordFollowUp(input: { followUpId: $f, outcome: $o }) { id } }`,
          { f: followUpId, o: 'Holds\u0000' },
          'input.outcome',
        ],
        [
          "a mediator's name",
          `mutation($n: String!) { addMediator(input: { name: $n, userId: "mediator-text" }) { id } }`,
          { n: 'Gao\u0000Ping' },
          'input.name',
        ],
        [
          "a mediator's user id",
          `mutation($u: String!) { addMediator(input: { name: "Gao Ping", userId: $u }) { id } }`,
          { u: 'mediator\u001b[31m' },
          'input.userId',
        ],
        [
          'a one-line name with a line break',
          `mutation($n: String!) { addMediator(input: { name: $n, userId: "mediator-text" }) { id } }`,
          { n: 'Gao\nPing' },
          'input.name',
        ],
        [
          'a statistics period',
          `query($f: Date!) { mediationStats(from: $f, to: "2026-01-01") { total } }`,
          { f: '2025-01-01\u0000' },
          'from',
        ],
      ];
      for (const [what, query, variables, field] of cases) {
        const res = await asStaff(query, variables);
        expect({ what, error: res.errors?.[0]?.extensions }).toEqual({
          what,
          error: { code: 'BAD_USER_INPUT', field },
        });
      }
      expect(await Promise.all([filed, mediating, agreed].map(statusOf))).toEqual(before);
      expect(
        await sql(`SELECT id FROM mediation_sessions WHERE case_id = $1`, [mediating]),
      ).toEqual([]);
      expect(await sql(`SELECT id FROM mediators WHERE user_id = 'mediator-text'`)).toEqual([]);
      expect(await sql(`SELECT done_at FROM follow_ups WHERE id = $1`, [followUpId])).toEqual([
        { done_at: null },
      ]);
      expect(
        await sql(`SELECT id FROM cases WHERE summary LIKE 'Referred by the police%'`),
      ).toEqual([]);
      // Free text keeps its line breaks.
      const record = 'Both attended.\nA site visit is agreed.';
      ok(
        await asStaff(
          `mutation($id: ID!, $who: [ID!]!, $r: String!) { recordSession(input: { caseId: $id, heldAt: "${new Date(Date.now() - 3_600_000).toISOString()}", attendeeIds: $who, record: $r }) { id } }`,
          { id: mediating, who: [usual[0]], r: record },
        ),
        'recordSession',
      );
      expect(
        await sql(`SELECT record FROM mediation_sessions WHERE case_id = $1`, [mediating]),
      ).toEqual([{ record }]);
    });

    it('when a mutation’s input names a malformed id, no such row or a case in the wrong status, then the error names the field of the input and nothing changes', async () => {
      const filed = await caseAt('filed');
      const before = await statusOf(filed);
      const calls: [string, string, Record<string, unknown>, string, string][] = [
        [
          'a malformed case id',
          `mutation($id: ID!) { acceptCase(input: { id: $id }) { id } }`,
          { id: 'case-1' },
          'BAD_USER_INPUT',
          'input.id',
        ],
        [
          'a case that does not exist',
          `mutation($c: ID!) { closeCase(input: { caseId: $c }) { id } }`,
          { c: randomUUID() },
          'NOT_FOUND',
          'input.caseId',
        ],
        [
          'a malformed mediator id',
          `mutation($c: ID!, $m: ID!) { assignMediator(input: { caseId: $c, mediatorId: $m }) { id } }`,
          { c: filed, m: 'gao-ping' },
          'BAD_USER_INPUT',
          'input.mediatorId',
        ],
        [
          'a mediator not on the roster',
          `mutation($c: ID!, $m: ID!) { assignMediator(input: { caseId: $c, mediatorId: $m }) { id } }`,
          { c: filed, m: randomUUID() },
          'BAD_USER_INPUT',
          'input.mediatorId',
        ],
        [
          'a move the state machine refuses',
          `mutation($id: ID!) { startMediation(input: { id: $id }) { id } }`,
          { id: filed },
          'CONFLICT',
          'input.id',
        ],
        [
          'a follow-up that does not exist',
          `mutation($f: ID!) { recordFollowUp(input: { followUpId: $f, outcome: "Holds" }) { id } }`,
          { f: randomUUID() },
          'NOT_FOUND',
          'input.followUpId',
        ],
      ];
      for (const [what, query, variables, code, field] of calls) {
        const res = await asStaff(query, variables);
        expect({ what, error: res.errors?.[0]?.extensions }).toEqual({
          what,
          error: { code, field },
        });
      }
      expect(await statusOf(filed)).toEqual(before);
      expect(
        await sql(`SELECT mediator_id FROM case_mediators WHERE case_id = $1`, [filed]),
      ).toEqual([{ mediator_id: mediatorId }]);
    });

    it('when an anonymous caller sends invalid input to any mutation, then UNAUTHENTICATED comes before any validation', async () => {
      const anonymous: Caller = { userId: null, roles: [], gridIds: [] };
      const calls = [
        `mutation { fileCase(input: { category: OTHER, source: SERVICE_REQUEST, summary: "", parties: [] }) { id } }`,
        `mutation { acceptCase(input: { id: "x" }) { id } }`,
        `mutation { declineCase(input: { id: "x", reason: "\\u0000" }) { id } }`,
        `mutation { assignMediator(input: { caseId: "x", mediatorId: "y" }) { id } }`,
        `mutation { startMediation(input: { id: "x" }) { id } }`,
        `mutation { recordSession(input: { caseId: "x", heldAt: "0001-01-01", attendeeIds: ["x", "x"], record: "" }) { id } }`,
        `mutation { reachAgreement(input: { caseId: "x", agreement: { form: ORAL, terms: "", signedOn: "9999-12-31" } }) { id } }`,
        `mutation { failMediation(input: { caseId: "x", reason: "" }) { id } }`,
        `mutation { withdrawCase(input: { caseId: "x" }) { id } }`,
        `mutation { refuseMediation(input: { caseId: "x" }) { id } }`,
        `mutation { closeCase(input: { caseId: "x" }) { id } }`,
        `mutation { recordFollowUp(input: { followUpId: "x", outcome: "" }) { id } }`,
        `mutation { addMediator(input: { name: "", userId: "", specialties: [FAMILY, FAMILY] }) { id } }`,
        `query { mediationStats(from: "x", to: "y") { total } }`,
        `query { case(id: "x") { id } }`,
      ];
      for (const query of calls) {
        const res = await callSubgraph(service, anonymous, query);
        expect({ query, code: res.errors?.[0]?.extensions?.code }).toEqual({
          query,
          code: 'UNAUTHENTICATED',
        });
      }
    });
  });

  it('when a dispute request is delivered twice, then exactly one case is opened and CaseFiled names the request', async () => {
    const requestId = randomUUID();
    const residentId = randomUUID();
    const filed = envelopeFor(ServiceRequestFiled, requestId, {
      requestId,
      residentId,
      householdId: randomUUID(),
      gridId: randomUUID(),
      type: 'dispute',
    });
    await publishEnvelope(producer, RESIDENTS_TOPICS.serviceRequest, filed);
    await publishEnvelope(producer, RESIDENTS_TOPICS.serviceRequest, {
      ...filed,
      id: randomUUID(),
    });
    const other = envelopeFor(ServiceRequestFiled, randomUUID(), {
      requestId: randomUUID(),
      residentId,
      householdId: randomUUID(),
      gridId: randomUUID(),
      type: 'social_insurance',
    });
    await publishEnvelope(producer, RESIDENTS_TOPICS.serviceRequest, other);
    const mine = () =>
      collector.messages.filter(
        (m) => (m.value.data as { serviceRequestId?: string }).serviceRequestId === requestId,
      );
    await waitFor('CaseFiled', () => (mine().length ? true : undefined));
    await waitFor('all three handled', async () => {
      const rows = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM processed_events WHERE event_type = 'ServiceRequestFiled'
        AND event_id = ANY ($1)`,
        [[filed.id, other.id]],
      );
      return rows[0]!.n === 2 ? true : undefined;
    });
    await waitFor('the outbox drained', async () =>
      (await service.relay.backlog()).count === 0 ? true : undefined,
    );
    expect(mine()).toHaveLength(1);
    const cases = await sql<{ source: string; n: number }>(
      `SELECT source, count(*)::int AS n FROM cases WHERE service_request_id = $1 GROUP BY source`,
      [requestId],
    );
    expect(cases).toEqual([{ source: 'service_request', n: 1 }]);
  });

  it('when a party moves out, then their open cases are flagged and closed ones are not', async () => {
    const a = (await announceResidents(producer, service))[0]!;
    const open = await fileCase(a);
    const done = await caseAt('closed');
    await sql(
      `UPDATE case_parties SET resident_id = $2 WHERE case_id = $1 AND role = 'applicant'`,
      [done, a],
    );
    await publishEnvelope(
      producer,
      RESIDENTS_TOPICS.resident,
      envelopeFor(ResidentMovedOut, a, {
        residentId: a,
        householdId: randomUUID(),
        gridId: randomUUID(),
        movedOutOn: '2026-11-25',
      }),
    );
    await waitFor('the open case flagged', async () => {
      const rows = await sql<{ id: string }>(
        `SELECT id FROM cases WHERE party_moved_out_at IS NOT NULL AND id = ANY ($1)`,
        [[open, done]],
      );
      return rows.length ? rows : undefined;
    }).then((rows) => expect(rows).toEqual([{ id: open }]));
  });

  it('when statistics are asked for a known period, then counts, success rate and average duration match', async () => {
    const at = (d: string) => `${d}T10:00:00+08:00`;
    const known: [string, string | null, string | null, string | null, string][] = [
      ['neighbour', 'agreement_reached', at('2025-01-02'), at('2025-01-12'), at('2025-01-01')],
      ['family', 'failed', at('2025-01-05'), at('2025-01-25'), at('2025-01-03')],
      ['neighbour', 'withdrawn', at('2025-01-10'), at('2025-01-13'), at('2025-01-09')],
      ['property', 'declined', null, at('2025-01-06'), at('2025-01-05')],
      ['labour', null, at('2025-01-21'), null, at('2025-01-20')],
    ];
    for (const [category, outcome, accepted, resolved, filedAt] of known) {
      await sql(
        `INSERT INTO cases (id, category, source, summary, status, outcome, filed_at, accepted_at, resolved_at, created_by)
         VALUES ($1, $2, 'committee', 'known', $3, $4, $5, $6, $7, 'test')`,
        [randomUUID(), category, outcome ?? 'in_mediation', outcome, filedAt, accepted, resolved],
      );
    }
    const res = await asStaff(`{ mediationStats(from: "2025-01-01", to: "2025-02-01") {
      total byCategory { key count } byOutcome { key count } successRate averageDaysToResolve } }`);
    expect(res.data).toEqual({
      mediationStats: {
        total: 5,
        byCategory: [
          { key: 'family', count: 1 },
          { key: 'labour', count: 1 },
          { key: 'neighbour', count: 2 },
          { key: 'property', count: 1 },
        ],
        byOutcome: [
          { key: 'agreement_reached', count: 1 },
          { key: 'declined', count: 1 },
          { key: 'failed', count: 1 },
          { key: 'open', count: 1 },
          { key: 'withdrawn', count: 1 },
        ],
        successRate: 1 / 3,
        averageDaysToResolve: 11,
      },
    });
    expect(
      (
        await callSubgraph(
          service,
          mediatorUser,
          `{ mediationStats(from: "2025-01-01", to: "2025-02-01") { total } }`,
        )
      ).errors?.[0]?.extensions?.code,
    ).toBe('FORBIDDEN');
    const overdue = await asStaff(
      `{ overdueCases(first: 100) { edges { node { case { id } reason } } totalCount } }`,
    );
    expect(overdue.errors).toBeUndefined();
    const page = (
      overdue.data as {
        overdueCases: { edges: { node: { reason: string } }[]; totalCount: number };
      }
    ).overdueCases;
    expect(page.edges.some(({ node }) => node.reason === 'NOT_RESOLVED_IN_A_MONTH')).toBe(true);
    expect(page.totalCount).toBeGreaterThanOrEqual(page.edges.length);
  });

  it('when cases are listed a page at a time, then the pages follow each other newest first, one statement each, counted only when asked', async () => {
    const statusOf = 'withdrawn';
    const filed: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = randomUUID();
      filed.push(id);
      await sql(
        `INSERT INTO cases (id, category, source, summary, status, filed_at, created_by)
         VALUES ($1, 'other', 'committee', 'paged', $2, $3, 'test')`,
        [id, statusOf, new Date(Date.UTC(2020, 0, 1 + i))],
      );
    }
    const all = await sql<{ id: string }>(
      `SELECT id FROM cases WHERE status = $1 ORDER BY filed_at DESC, id DESC`,
      [statusOf],
    );
    const list = `query($after: String) { cases(first: 2, after: $after, status: WITHDRAWN) {
      edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`;
    type CasePage = {
      cases: {
        edges: { cursor: string; node: { id: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    };
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res = await asStaff(list, { after });
      expect(res.errors).toBeUndefined();
      expect(res.statements).toBe(1);
      const page = (res.data as CasePage).cases;
      seen.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      expect(page.pageInfo.endCursor).toBe(page.edges[1]!.cursor);
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(all.map((r) => r.id));
    expect(seen.slice(-5)).toEqual([...filed].reverse());

    const counted = await asStaff(`{ cases(status: WITHDRAWN) { totalCount } }`);
    expect(counted.data).toEqual({ cases: { totalCount: all.length } });
    expect(counted.statements).toBe(2);

    for (const [args, field] of [
      ['first: 0', 'first'],
      ['first: 101', 'first'],
      ['after: "nope"', 'after'],
    ]) {
      const bad = await asStaff(`{ cases(${args}) { totalCount } }`);
      expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });
  describe("a resident's cases, nested under residents", () => {
    /** Resident `id`, as the gateway asks mediation for the fields it adds to a resident. */
    const resident = (id: string) => ({ __typename: 'Resident', id });
    /** A case filed `day` days into 2019 between `parties`, with `mediator` assigned if given. */
    const storedCase = async (day: number, parties: string[], mediator?: string) => {
      const id = randomUUID();
      await sql(
        `INSERT INTO cases (id, category, source, summary, status, filed_at, created_by)
         VALUES ($1, 'neighbour', 'committee', 'nested', 'filed', $2, 'test')`,
        [id, new Date(Date.UTC(2019, 0, day))],
      );
      await sql(
        `INSERT INTO case_parties (case_id, resident_id, role) SELECT $1, r, 'other' FROM unnest($2::uuid[]) AS r`,
        [id, parties],
      );
      if (mediator)
        await sql(`INSERT INTO case_mediators (case_id, mediator_id) VALUES ($1, $2)`, [
          id,
          mediator,
        ]);
      return id;
    };

    it('when a resident’s cases are read a page at a time, then the pages follow each other newest first, one statement each, with only the cases the caller may see, counted only when asked', async () => {
      const [x, y, z] = [randomUUID(), randomUUID(), randomUUID()];
      // x is party to five cases: two with y, three with z; the mediator is assigned to three.
      const cases = [
        await storedCase(1, [x, y], mediatorId),
        await storedCase(2, [x, z]),
        await storedCase(3, [x, y]),
        await storedCase(4, [x, z], mediatorId),
        await storedCase(5, [x, z], mediatorId),
      ];
      const newestFirst = (picked: number[]) => picked.map((i) => cases[i - 1]!).reverse();
      // Each caller's cases are read in SQL, so a page is full whatever the caller may not see; a
      // caller who may see no case (no resident, no mediator) costs no statement at all.
      const callers: [string, Caller, string[], number][] = [
        ['mediation staff', staff, newestFirst([1, 2, 3, 4, 5]), 1],
        ['the resident', caller(['resident'], { residentId: x }), newestFirst([1, 2, 3, 4, 5]), 1],
        ['the other party of two', caller(['resident'], { residentId: y }), newestFirst([1, 3]), 1],
        ['their mediator', mediatorUser, newestFirst([1, 4, 5]), 1],
        ['another mediator', caller(['mediator'], { userId: 'unassigned-mediator' }), [], 1],
        ['a stranger', caller(['resident'], { residentId: randomUUID() }), [], 1],
        ['a volunteer lead', caller(['volunteer_lead']), [], 0],
      ];
      for (const [who, as, expected, reads] of callers) {
        const call = (q: string, v?: Record<string, unknown>) => callSubgraph(service, as, q, v);
        const seen = await readAllPages<{ id: string }>(
          underEntity(call, resident(x)),
          'mediationCases',
          { first: 2, node: 'id', statements: reads },
        );
        expect({ who, seen: seen.map((c) => c.id) }).toEqual({ who, seen: expected });
        const counted = await call(
          `query($r: [_Any!]!) { _entities(representations: $r) { ... on Resident { mediationCases { totalCount } } } }`,
          { r: [{ __typename: 'Resident', id: x }] },
        );
        expect({ who, data: counted.data, statements: counted.statements }).toEqual({
          who,
          data: { _entities: [{ mediationCases: { totalCount: expected.length } }] },
          statements: 2 * reads,
        });
      }
      await expectPageBoundsRefused(underEntity(asStaff, resident(x)), 'mediationCases');
    });

    it('when many residents’ cases are asked at once, then one statement reads every page and one more counts them, however many residents', async () => {
      const residents = Array.from({ length: 12 }, () => randomUUID());
      const [a, b, c] = residents as [string, string, string];
      // a: three cases, b: one (shared with a), c and the rest: none.
      const ab = await storedCase(10, [a, b]);
      const a2 = await storedCase(11, [a, randomUUID()]);
      const a3 = await storedCase(12, [a, randomUUID()]);
      const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Resident {
        id mediationCases(first: 2) { totalCount edges { node { id } } pageInfo { hasNextPage } } } } }`;
      type Answer = {
        _entities: {
          id: string;
          mediationCases: {
            totalCount: number;
            edges: { node: { id: string } }[];
            pageInfo: { hasNextPage: boolean };
          };
        }[];
      };
      const ask = (ids: string[]) =>
        asStaff(query, { r: ids.map((id) => ({ __typename: 'Resident', id })) });
      const few = await ask([a, b, c]);
      expect(few.errors).toBeUndefined();
      const pages = Object.fromEntries(
        (few.data as Answer)._entities.map((e) => [
          e.id,
          {
            ids: e.mediationCases.edges.map((edge) => edge.node.id),
            more: e.mediationCases.pageInfo.hasNextPage,
            total: e.mediationCases.totalCount,
          },
        ]),
      );
      expect(pages).toEqual({
        [a]: { ids: [a3, a2], more: true, total: 3 },
        [b]: { ids: [ab], more: false, total: 1 },
        [c]: { ids: [], more: false, total: 0 },
      });
      expect(few.statements).toBe(2);
      const many = await ask(residents);
      expect(many.errors).toBeUndefined();
      expect((many.data as Answer)._entities).toHaveLength(12);
      expect(many.statements).toBe(2);
      const uncounted = await asStaff(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Resident { mediationCases(first: 2) { edges { node { id summary } } } } } }`,
        { r: residents.map((id) => ({ __typename: 'Resident', id })) },
      );
      expect(uncounted.errors).toBeUndefined();
      expect(uncounted.statements).toBe(1);
    });
  });
});
