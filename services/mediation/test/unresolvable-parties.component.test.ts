import { randomUUID } from 'node:crypto';
import {
  REGISTER_RESIDENT,
  dataOf,
  residentInput,
  seedHousehold,
} from '@liyuan/test-support/registry-fixtures';
import {
  startTestGateway,
  startTestService,
  type TestGateway,
  type TestService,
} from '@liyuan/test-support/stack';
import { waitFor } from '@liyuan/test-support/wait';

interface Party {
  role: string;
  resident: { id: string; name: string } | null;
}
interface Case {
  id: string;
  parties: Party[];
  sessions: { attendees: ({ id: string; name: string } | null)[] }[];
}

/**
 * A case names residents the residents subgraph resolves; one it cannot resolve (an id it does
 * not know, or a resident the caller may not read) is null where it is named, never a whole case
 * or list lost. Through the gateway, with the residents and mediation subgraphs.
 */
describe('mediation: parties the registry cannot resolve', () => {
  let residents: TestService;
  let mediation: TestService;
  let gw: TestGateway;
  let staff: string;
  const sql = <T>(text: string, params: unknown[] = []) =>
    mediation.service.db.dataSource.query(text, params) as Promise<T[]>;

  beforeAll(async () => {
    [residents, mediation] = await Promise.all([
      startTestService('residents'),
      startTestService('mediation'),
    ]);
    gw = await startTestGateway({ residents: residents.service, mediation: mediation.service });
    await Promise.all([residents.service.eventsReady, mediation.service.eventsReady]);
    staff = await gw.token(['staff']);
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all([residents.stop(), mediation.stop()]);
  });

  it('when a case names a resident the registry cannot resolve, then that party is null and every case is still listed, for staff and for a party', async () => {
    const asStaff = (q: string, v?: Record<string, unknown>) => gw.query(q, v, staff);
    const { householdId } = await seedHousehold(asStaff);
    const [a, b] = [
      dataOf<{ id: string }>(
        await asStaff(REGISTER_RESIDENT, { input: residentInput(householdId, { name: 'Li Na' }) }),
        'registerResident',
      ).id,
      dataOf<{ id: string }>(
        await asStaff(REGISTER_RESIDENT, {
          input: residentInput(householdId, { name: 'Zhao Lei' }),
        }),
        'registerResident',
      ).id,
    ];
    await waitFor('mediation to know both residents', async () =>
      (
        await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM known_residents WHERE resident_id = ANY($1::uuid[])`,
          [[a, b]],
        )
      )[0]!.n === 2
        ? true
        : undefined,
    );
    const filed = dataOf<{ id: string }>(
      await asStaff(
        `mutation($a: ID!, $b: ID!) { fileCase(input: { category: NEIGHBOUR, source: COMMITTEE, summary: "A fence between two gardens",
          parties: [{ residentId: $a, role: APPLICANT }, { residentId: $b, role: RESPONDENT }] }) { id } }`,
        { a, b },
      ),
      'fileCase',
    ).id;
    // A case from before parties were checked: its respondent is an id the registry never had.
    const ghost = randomUUID();
    const dangling = randomUUID();
    await sql(
      `INSERT INTO cases (id, category, source, summary, status, created_by)
       VALUES ($1, 'neighbour', 'committee', 'Older case', 'in_mediation', 'test')`,
      [dangling],
    );
    await sql(
      `INSERT INTO case_parties (case_id, resident_id, role) VALUES ($1, $2, 'applicant'), ($1, $3, 'respondent')`,
      [dangling, a, ghost],
    );
    await sql(
      `INSERT INTO mediation_sessions (id, case_id, held_at, attendees, record)
       VALUES ($1, $2, now() - interval '1 day', $3::uuid[], 'Both heard')`,
      [randomUUID(), dangling, [a, ghost]],
    );

    const select = `id parties { role resident { id name } } sessions { attendees { id name } }`;
    const listed = await asStaff(`{ cases(first: 100) { edges { node { ${select} } } } }`);
    expect(listed.data).not.toBeNull();
    const byId = new Map(
      (listed.data as { cases: { edges: { node: Case }[] } }).cases.edges.map(({ node }) => [
        node.id,
        node,
      ]),
    );
    expect(byId.get(filed)!.parties).toEqual([
      { role: 'APPLICANT', resident: { id: a, name: 'Li Na' } },
      { role: 'RESPONDENT', resident: { id: b, name: 'Zhao Lei' } },
    ]);
    expect(byId.get(dangling)).toEqual({
      id: dangling,
      parties: expect.arrayContaining([
        { role: 'APPLICANT', resident: { id: a, name: 'Li Na' } },
        { role: 'RESPONDENT', resident: null },
      ]),
      sessions: [{ attendees: [{ id: a, name: 'Li Na' }, null] }],
    });

    // A party reads their cases: the other party is not theirs to read, so it is null, not the list.
    const self = await gw.token(['resident'], { residentId: a, sub: `resident-${a}` });
    const mine = await gw.query(
      `query($id: ID!) { resident(id: $id) { mediationCases { edges { node { ${select} } } } } }`,
      { id: a },
      self,
    );
    expect(mine.data).not.toBeNull();
    const cases = (
      mine.data as { resident: { mediationCases: { edges: { node: Case }[] } } }
    ).resident.mediationCases.edges.map((e) => e.node);
    expect(cases.map((c) => c.id).sort()).toEqual([filed, dangling].sort());
    expect(cases.find((c) => c.id === filed)!.parties).toEqual([
      { role: 'APPLICANT', resident: { id: a, name: 'Li Na' } },
      { role: 'RESPONDENT', resident: null },
    ]);
  });
});
