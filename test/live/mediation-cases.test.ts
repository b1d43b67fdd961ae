import { randomUUID } from 'node:crypto';
import {
  REGISTER_RESIDENT,
  dataOf,
  residentInput,
  seedHousehold,
} from '../support/registry-fixtures';
import { TOPIC_PREFIX, testBrokers } from '../support/kafka';
import { startSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import {
  endAll,
  gatewayMetric,
  type SseStream,
  sseSubscribe,
  wsSubscribe,
  type WsSubscription,
} from './live-client';

const SELECTION = `case { id status parties { id role resident { id name } } mediators { userId } }`;
const ONE_CASE = `subscription($caseId: ID!) {
  mediationCaseChanged(caseId: $caseId) { position event occurredAt ${SELECTION} }
}`;
const BOARD = `subscription { mediationCasesChanged { position event ${SELECTION} } }`;
const FILE = `mutation($input: FileCaseInput!) { fileCase(input: $input) { id parties { id role resident { id } } } }`;

interface Change {
  position: string;
  event: string;
  occurredAt?: string;
  case: {
    id: string;
    status: string;
    parties: { id: string; role: string; resident: { id: string; name: string } | null }[];
    mediators: { userId: string }[];
  };
}
const changeOf = (r: { data?: unknown }): Change => {
  const data = r.data as Record<string, Change>;
  return (data.mediationCaseChanged ?? data.mediationCasesChanged)!;
};
const POSITION = /^mediation\.case\.v1:\d+:\d+@[\d.]+$/;

/**
 * Live updates of a mediation case through the gateway: its parties, its mediators and mediation
 * staff follow its status; anyone else is refused when subscribing; a party removed from the case
 * hears nothing more while its mediator still does; the committee's board hears every case.
 */
describe('live updates: a mediation case', () => {
  let sys: TestSystem;
  let staff: string;
  let mediator: string;
  let otherMediator: string;
  let partyA: string;
  let partyB: string;
  let outsider: string;
  let mediatorId: string;
  const resident = { a: '', b: '', c: '' };
  const mediatorUser = `mediator-${randomUUID()}`;
  const open: (WsSubscription | SseStream)[] = [];

  const metric = (name: string) => gatewayMetric(sys.gw.gateway.port, name);
  const subscriptions = () => metric('live_subscriptions');
  const ws = (token: string | undefined, query: string, variables: Record<string, unknown>) => {
    const s = wsSubscribe(sys.gw.url, token, query, variables);
    open.push(s);
    return s;
  };
  const asStaff = <T>(query: string, variables: Record<string, unknown>) =>
    sys.gw.data<T>(query, variables, staff);
  /** Files a case between residents a (applicant) and b (respondent); returns its id and parties. */
  const fileCase = async () => {
    const c = dataOf<{ id: string; parties: { id: string; role: string }[] }>(
      await sys.gw.query(
        FILE,
        {
          input: {
            category: 'NEIGHBOUR',
            source: 'COMMITTEE',
            summary: 'Water leaking through the ceiling',
            parties: [
              { residentId: resident.a, role: 'APPLICANT' },
              { residentId: resident.b, role: 'RESPONDENT' },
            ],
          },
        },
        staff,
      ),
      'fileCase',
    );
    return c;
  };
  const accept = (id: string) =>
    asStaff(`mutation($id: ID!) { acceptCase(input: { id: $id }) { id } }`, { id });
  const assign = (caseId: string) =>
    asStaff(
      `mutation($c: ID!, $m: ID!) { assignMediator(input: { caseId: $c, mediatorId: $m }) { id } }`,
      { c: caseId, m: mediatorId },
    );

  beforeAll(async () => {
    sys = await startSystem({
      gatewayEnv: { KAFKA_BROKERS: testBrokers().join(','), KAFKA_TOPIC_PREFIX: TOPIC_PREFIX },
    });
    staff = await sys.gw.token(['staff']);
    const call = (q: string, v?: Record<string, unknown>) => sys.gw.query(q, v, staff);
    const { householdId } = await seedHousehold(call);
    for (const k of ['a', 'b', 'c'] as const) {
      resident[k] = dataOf<{ id: string }>(
        await call(REGISTER_RESIDENT, {
          input: residentInput(householdId, { name: `Party ${k}`, tags: [] }),
        }),
        'registerResident',
      ).id;
    }
    mediatorId = (
      await asStaff<{ addMediator: { id: string } }>(
        `mutation($i: AddMediatorInput!) { addMediator(input: $i) { id } }`,
        { i: { name: 'Lu Ping', userId: mediatorUser, specialties: ['NEIGHBOUR'] } },
      )
    ).addMediator.id;
    mediator = await sys.gw.token(['mediator'], { sub: mediatorUser });
    otherMediator = await sys.gw.token(['mediator'], { sub: `mediator-${randomUUID()}` });
    partyA = await sys.gw.token(['resident'], { sub: 'party-a', residentId: resident.a });
    partyB = await sys.gw.token(['resident'], { sub: 'party-b', residentId: resident.b });
    outsider = await sys.gw.token(['resident'], { sub: 'outsider', residentId: resident.c });
    // Mediation names as parties only the residents the registry announced.
    await waitFor('mediation knows the residents', async () => {
      const res = await sys.gw.query(FILE, { input: { ...probeCase() } }, staff);
      return res.data ? true : undefined;
    });
  }, 120_000);
  const probeCase = () => ({
    category: 'OTHER',
    source: 'COMMITTEE',
    summary: 'Announcement probe',
    parties: [
      { residentId: resident.a, role: 'APPLICANT' },
      { residentId: resident.b, role: 'RESPONDENT' },
      { residentId: resident.c, role: 'OTHER' },
    ],
  });
  afterEach(() => endAll(open, sys.gw.gateway.port));
  afterAll(async () => {
    await sys?.stop();
  });

  it('when a case moves and a party is removed, then the removed party hears nothing more while its other party, its mediator and staff get one frame per change', async () => {
    const c = await fileCase();
    await accept(c.id);
    await assign(c.id);
    const a = ws(partyA, ONE_CASE, { caseId: c.id });
    const b = ws(partyB, ONE_CASE, { caseId: c.id });
    const m = ws(mediator, ONE_CASE, { caseId: c.id });
    const s = await sseSubscribe(sys.gw.url, staff, ONE_CASE, { caseId: c.id });
    open.push(s);
    expect(s.status).toBe(200);
    await waitFor('four subscriptions open', async () =>
      (await subscriptions()) === 4 ? true : undefined,
    );
    const sseChanges = () =>
      s.frames.filter((f) => f.event === 'next').map((f) => ({ id: f.id, ...JSON.parse(f.data) }));

    // The mediator starts the mediation: all four hear it, each once.
    await sys.gw.data(
      `mutation($id: ID!) { startMediation(input: { id: $id }) { id } }`,
      {
        id: c.id,
      },
      mediator,
    );
    await waitFor('the start reaches all four', () =>
      a.results.length && b.results.length && m.results.length && sseChanges().length
        ? true
        : undefined,
    );
    const started = changeOf(a.results[0]!);
    expect(started).toMatchObject({
      event: 'CaseStatusChanged',
      case: { id: c.id, status: 'IN_MEDIATION', mediators: [{ userId: mediatorUser }] },
    });
    expect(started.position).toMatch(POSITION);
    expect(Date.parse(started.occurredAt!)).not.toBeNaN();
    expect(
      changeOf(m.results[0]!)
        .case.parties.map((p) => p.resident?.id)
        .sort(),
    ).toEqual([resident.a, resident.b].sort());
    // As a query shows it to each: a party may not read the other party's record (null, with the
    // refusal as an error), staff may.
    const asQuery = (token: string) =>
      sys.gw.query<{ case: Change['case'] }>(
        `query($id: ID!) { ${SELECTION.replace('case {', 'case(id: $id) {')} }`,
        { id: c.id },
        token,
      );
    const forA = await asQuery(partyA);
    expect(started.case).toEqual(forA.data!.case);
    expect(a.results[0]!.errors).toMatchObject([
      { path: ['mediationCaseChanged', 'case', 'parties', 1, 'resident'] },
    ]);
    expect(forA.errors).toMatchObject([{ extensions: { code: 'FORBIDDEN' } }]);
    expect(changeOf(sseChanges()[0]!).case).toEqual((await asQuery(staff)).data!.case);
    // The same event, the same position, for every subscriber; over SSE it is the event's id too.
    expect(changeOf(b.results[0]!).position).toBe(started.position);
    expect(changeOf(m.results[0]!).position).toBe(started.position);
    expect(sseChanges()[0]!.id).toBe(started.position);
    expect(changeOf(sseChanges()[0]!).position).toBe(started.position);

    // Staff remove party b, named in error: b no longer sees the case, so hears nothing of it.
    const withheldBefore = await metric('live_events_withheld_total');
    const partyBId = c.parties.find((p) => p.role === 'RESPONDENT')!.id;
    await asStaff(
      `mutation($c: ID!, $p: ID!) { removeParty(input: { caseId: $c, partyId: $p }) { id } }`,
      { c: c.id, p: partyBId },
    );
    await waitFor('the removal reaches a, the mediator and staff', () =>
      a.results.length === 2 && m.results.length === 2 && sseChanges().length === 2
        ? true
        : undefined,
    );
    expect(changeOf(m.results[1]!)).toMatchObject({
      event: 'CasePartyRemoved',
      case: { id: c.id, status: 'IN_MEDIATION', parties: [{ role: 'APPLICANT' }] },
    });
    await waitFor('the frame withheld from b', async () =>
      (await metric('live_events_withheld_total')) - withheldBefore >= 1 ? true : undefined,
    );

    // The mediation fails, then staff close it: two more frames for each who still sees it.
    await sys.gw.data(
      `mutation($c: ID!) { failMediation(input: { caseId: $c, reason: "No common ground" }) { id } }`,
      { c: c.id },
      mediator,
    );
    await asStaff(`mutation($c: ID!) { closeCase(input: { caseId: $c }) { id } }`, { c: c.id });
    await waitFor('the failure and the close', () =>
      a.results.length === 4 && m.results.length === 4 && sseChanges().length === 4
        ? true
        : undefined,
    );
    await waitFor('both withheld from b', async () =>
      (await metric('live_events_withheld_total')) - withheldBefore >= 3 ? true : undefined,
    );
    for (const frames of [a.results, m.results, sseChanges()]) {
      expect(frames.map((r) => [changeOf(r).event, changeOf(r).case.status])).toEqual([
        ['CaseStatusChanged', 'IN_MEDIATION'],
        ['CasePartyRemoved', 'IN_MEDIATION'],
        ['CaseStatusChanged', 'FAILED'],
        ['CaseStatusChanged', 'CLOSED'],
      ]);
      const positions = frames.map((r) => changeOf(r).position);
      expect(new Set(positions).size).toBe(4);
      // One case, one partition: its changes in the order they happened.
      const offsets = positions.map((p) => BigInt(/:\d+:(\d+)@/.exec(p)![1]!));
      expect(offsets.every((o, i) => i === 0 || o > offsets[i - 1]!)).toBe(true);
    }
    expect(b.results).toHaveLength(1);
    expect(b.errors).toEqual([]);
    expect(b.closed).toBeUndefined();
  });

  it('when a caller is none of the case’s parties, mediators or staff, then subscribing is refused: FORBIDDEN, UNAUTHENTICATED without a token, BAD_USER_INPUT for a malformed id', async () => {
    const c = await fileCase();
    await accept(c.id);
    await assign(c.id);
    const stranger = ws(outsider, ONE_CASE, { caseId: c.id });
    const unassigned = ws(otherMediator, ONE_CASE, { caseId: c.id });
    const unknown = ws(partyA, ONE_CASE, { caseId: randomUUID() });
    const malformed = ws(staff, ONE_CASE, { caseId: 'case-7' });
    const board = ws(partyA, BOARD, {});
    const anonymous = ws(undefined, ONE_CASE, { caseId: c.id });
    await waitFor('all refused', () =>
      [stranger, unassigned, unknown, malformed, board].every((s) => s.errors.length) &&
      anonymous.closed
        ? true
        : undefined,
    );
    const codes = (s: WsSubscription) =>
      (s.errors[0] as { extensions?: { code?: string } }[]).map((e) => e.extensions?.code);
    expect(codes(stranger)).toEqual(['FORBIDDEN']);
    expect(codes(unassigned)).toEqual(['FORBIDDEN']);
    // A case that does not exist is refused exactly as one the caller may not see.
    expect(codes(unknown)).toEqual(['FORBIDDEN']);
    expect((unknown.errors[0] as { message: string }[])[0]!.message).toBe(
      (stranger.errors[0] as { message: string }[])[0]!.message,
    );
    expect(malformed.errors[0]).toMatchObject([
      { extensions: { code: 'BAD_USER_INPUT', field: 'id' } },
    ]);
    expect(codes(board)).toEqual(['FORBIDDEN']);
    expect(anonymous.closed!.code).toBe(4401);

    const sse = await sseSubscribe(sys.gw.url, outsider, ONE_CASE, { caseId: c.id });
    expect(sse.status).toBe(403);
    expect(JSON.parse(sse.frames[0]!.data).errors[0].extensions.code).toBe('FORBIDDEN');
    const anon = await fetch(sys.gw.url.replace(/\/graphql$/, '/graphql/stream'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: ONE_CASE, variables: { caseId: c.id } }),
    });
    expect(anon.status).toBe(401);
    expect(
      ((await anon.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions
        .code,
    ).toBe('UNAUTHENTICATED');
    // The case's own subscribers are admitted.
    const mine = ws(mediator, ONE_CASE, { caseId: c.id });
    await waitFor('the mediator subscribed', async () =>
      (await subscriptions()) === 1 ? true : undefined,
    );
    expect(mine.errors).toEqual([]);
  });

  it('when cases are filed and move, then the committee’s board gets one frame per change of every case', async () => {
    const board = ws(staff, BOARD, {});
    await waitFor('the board subscribed', async () =>
      (await subscriptions()) === 1 ? true : undefined,
    );
    const first = await fileCase();
    const second = await fileCase();
    await accept(first.id);
    await asStaff(
      `mutation($id: ID!) { declineCase(input: { id: $id, reason: "Not a civil dispute" }) { id } }`,
      { id: second.id },
    );
    const ours = () =>
      board.results.map(changeOf).filter((ch) => [first.id, second.id].includes(ch.case.id));
    await waitFor('four changes on the board', () => (ours().length >= 4 ? true : undefined));
    const of = (id: string) =>
      ours()
        .filter((ch) => ch.case.id === id)
        .map((ch) => ch.event);
    // Accepting publishes CaseAccepted too, for other services; the board shows the move once.
    expect(of(first.id)).toEqual(['CaseFiled', 'CaseStatusChanged']);
    expect(of(second.id)).toEqual(['CaseFiled', 'CaseStatusChanged']);
    expect(
      ours().find((ch) => ch.case.id === second.id && ch.event === 'CaseStatusChanged'),
    ).toMatchObject({
      case: { status: 'DECLINED' },
    });
    expect(ours().every((ch) => POSITION.test(ch.position))).toBe(true);
  });
});
