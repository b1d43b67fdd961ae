import { randomUUID } from 'node:crypto';
import { signCaller, type Caller, type RunningService } from '@liyuan/kit';
import { expectPageBoundsRefused, readAllPages } from '@liyuan/test-support/pages';
import { callSubgraph, caller, postGraphQL, startTestResidents } from '@liyuan/test-support/stack';
import {
  REGISTER_RESIDENT,
  dataOf,
  idCardFor,
  residentInput,
  seedHousehold,
} from '@liyuan/test-support/registry-fixtures';

/** Component tests of the residents subgraph against a real PostgreSQL database and Kafka broker. */
describe('residents subgraph', () => {
  let service: RunningService;
  let stop: () => Promise<void>;
  const staff = caller(['staff']);
  const asStaff = (q: string, v?: Record<string, unknown>) => callSubgraph(service, staff, q, v);

  beforeAll(async () => {
    ({ service, stop } = await startTestResidents());
  });
  afterAll(async () => {
    await stop();
  });

  const counts = async () => {
    const [row] = (await service.db.dataSource.query(
      `SELECT (SELECT count(*) FROM residents)::int AS residents, (SELECT count(*) FROM outbox_events)::int AS events`,
    )) as { residents: number; events: number }[];
    return row!;
  };

  describe('bad input', () => {
    let householdId: string;
    beforeAll(async () => {
      ({ householdId } = await seedHousehold(asStaff));
    });

    it.each([
      ['an empty name', { name: '   ' }, 'input.name'],
      ['a null byte in the name', { name: 'Wen\u0000Shuyi' }, 'input.name'],
      ['a lone surrogate in the name', { name: '\ud800 Shuyi' }, 'input.name'],
      ['a line break in the name', { name: 'Wen\nShuyi' }, 'input.name'],
      [
        'a null byte in the ID-card number',
        { idCardNumber: '62098219620517\u0000001' },
        'input.idCardNumber',
      ],
      [
        'a birth date before 1900',
        { birthDate: '1899-12-31', idCardNumber: idCardFor('1899-12-31') },
        'input.birthDate',
      ],
      [
        'a birth date in the year 9999',
        { birthDate: '9999-12-31', idCardNumber: idCardFor('9999-12-31') },
        'input.birthDate',
      ],
      [
        'a birth date in the future',
        { birthDate: '2999-01-01', idCardNumber: idCardFor('2999-01-01') },
        'input.birthDate',
      ],
      ['a malformed ID-card number', { idCardNumber: '62098219620517001' }, 'input.idCardNumber'],
      [
        'an ID-card number with a wrong check digit',
        { idCardNumber: '620982196205170010' },
        'input.idCardNumber',
      ],
      ['an unknown household', { householdId: randomUUID() }, 'input.householdId'],
      ['a malformed phone', { phone: '12345' }, 'input.phone'],
    ])(
      'when registering with %s, then BAD_USER_INPUT names %s and nothing is written',
      async (_what, overrides, field) => {
        const before = await counts();
        const res = await asStaff(REGISTER_RESIDENT, {
          input: residentInput(householdId, overrides),
        });
        expect(res.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
        expect(res.errors?.[0]?.message).toContain(field);
        expect(await counts()).toEqual(before);
      },
    );

    it('when an error mentions a bad ID-card number, then the value itself is not echoed', async () => {
      const bad = '620982196205170010';
      const res = await asStaff(REGISTER_RESIDENT, {
        input: residentInput(householdId, { idCardNumber: bad }),
      });
      expect(JSON.stringify(res.errors)).not.toContain(bad);
    });

    it('when the ID-card number is already registered, then CONFLICT and nothing is written', async () => {
      const input = residentInput(householdId);
      dataOf(await asStaff(REGISTER_RESIDENT, { input }), 'registerResident');
      const before = await counts();
      const res = await asStaff(REGISTER_RESIDENT, { input: { ...input, name: 'Someone Else' } });
      expect(res.errors?.[0]?.extensions).toEqual({
        code: 'CONFLICT',
        field: 'input.idCardNumber',
      });
      expect(await counts()).toEqual(before);
    });
  });

  describe('authentication and authorisation', () => {
    it('when a request has no gateway signature, then it is refused with 401', async () => {
      const res = await postGraphQL(service.url, '{ grids { id } }');
      expect(res.status).toBe(401);
      expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('when the signature was made with another secret, then it is refused with 401', async () => {
      const headers = signCaller(staff, 'another-secret-that-is-long-enough-000000');
      const res = await postGraphQL(service.url, '{ grids { id } }', {}, headers);
      expect(res.status).toBe(401);
    });

    it('when the caller is a grid member of another grid, then registering is FORBIDDEN', async () => {
      const { householdId } = await seedHousehold(asStaff);
      const member = caller(['grid_member'], { gridIds: [randomUUID()] });
      const res = await callSubgraph(service, member, REGISTER_RESIDENT, {
        input: residentInput(householdId),
      });
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });

    it('when an anonymous caller lists residents, then UNAUTHENTICATED', async () => {
      const res = await callSubgraph(
        service,
        { userId: null, roles: [], gridIds: [] },
        '{ residents { totalCount } }',
      );
      expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('text, dates and sign-in', () => {
    const anonymous: Caller = { userId: null, roles: [], gridIds: [] };

    it('when a string argument carries a null byte, another control character or a lone surrogate, then BAD_USER_INPUT names the field and nothing is written', async () => {
      const { gridId, buildingId, householdId } = await seedHousehold(asStaff);
      const r = dataOf<{ id: string }>(
        await asStaff(REGISTER_RESIDENT, { input: residentInput(householdId) }),
        'registerResident',
      );
      const before = async () =>
        (await service.db.dataSource.query(
          `SELECT (SELECT count(*) FROM grids)::int AS grids, (SELECT count(*) FROM buildings)::int AS buildings,
                  (SELECT count(*) FROM households)::int AS households, (SELECT count(*) FROM grid_members)::int AS members,
                  (SELECT count(*) FROM key_group_tags)::int AS tags, (SELECT count(*) FROM personal_data_access)::int AS reads,
                  (SELECT count(*) FROM outbox_events)::int AS events`,
        )) as unknown[];
      const start = await before();
      const cases: [string, string, Record<string, unknown>, string][] = [
        [
          'a grid name',
          `mutation($n: String!) { createGrid(input: { name: $n }) { id } }`,
          { n: 'Grid\u0000One' },
          'input.name',
        ],
        [
          'a building address',
          `mutation($g: ID!, $a: String!) { registerBuilding(input: { name: "Block 9", address: $a, gridId: $g }) { id } }`,
          { g: gridId, a: '9 Mingshan\ud800 Road' },
          'input.address',
        ],
        [
          'a household room',
          `mutation($b: ID!, $r: String!) { registerHousehold(input: { buildingId: $b, unit: "2", room: $r }) { id } }`,
          { b: buildingId, r: '30\u00001' },
          'input.room',
        ],
        [
          'a new name',
          `mutation($id: ID!, $n: String!) { updateResident(input: { id: $id, name: $n }) { id } }`,
          { id: r.id, n: 'Wen\u001bShu' },
          'input.name',
        ],
        [
          "a grid member's user id",
          `mutation($g: ID!, $u: String!) { assignGridMember(input: { gridId: $g, userId: $u, name: "Zhao Ping" }) { id } }`,
          { g: gridId, u: 'gm\u0000zhao' },
          'input.userId',
        ],
        [
          "a grid member's name",
          `mutation($g: ID!, $n: String!) { assignGridMember(input: { gridId: $g, userId: "gm-text", name: $n }) { id } }`,
          { g: gridId, n: '\udc00Zhao' },
          'input.name',
        ],
        [
          'a key-group tag name',
          `mutation($n: String!) { configureKeyGroupTag(input: { code: "text_tag", name: $n }) { code } }`,
          { n: 'Text\u0085tag' },
          'input.name',
        ],
        [
          'a tag code',
          `mutation($id: ID!, $t: String!) { tagResident(input: { residentId: $id, tag: $t }) { id } }`,
          { id: r.id, t: 'disabled\u0000' },
          'input.tag',
        ],
        [
          'a name search',
          `query($n: String!) { residents(filter: { name: $n }) { totalCount } }`,
          { n: 'a\u0000b' },
          'filter.name',
        ],
        [
          'an audit filter',
          `query($u: String!) { personalDataAudit(filter: { actorUserId: $u }) { edges { cursor } } }`,
          { u: 'staff\u0000' },
          'filter.actorUserId',
        ],
        [
          'the purpose of an audited read',
          `query($id: ID!, $p: String!) { resident(id: $id) { idCardNumber(purpose: $p) } }`,
          { id: r.id, p: 'social\u0000insurance' },
          'purpose',
        ],
        [
          'the purpose of an audited phone read',
          `query($id: ID!, $p: String!) { resident(id: $id) { phone(purpose: $p) } }`,
          { id: r.id, p: 'home\ud800visit' },
          'purpose',
        ],
      ];
      const admin = caller(['admin'], { userId: 'admin-text' });
      for (const [what, query, variables, field] of cases) {
        const res = await callSubgraph(service, admin, query, variables);
        expect({ what, error: res.errors?.[0]?.extensions }).toEqual({
          what,
          error: { code: 'BAD_USER_INPUT', field },
        });
      }
      expect(await before()).toEqual(start);
      const read = await asStaff(`query($id: ID!) { resident(id: $id) { name } }`, { id: r.id });
      expect(read.data).toEqual({ resident: { name: 'Wen Shuyi' } });
    });

    it('when a resident is moved out on a day before their birth or in the future, then BAD_USER_INPUT names movedOutOn and they stay active', async () => {
      const { householdId } = await seedHousehold(asStaff);
      const r = dataOf<{ id: string }>(
        await asStaff(REGISTER_RESIDENT, { input: residentInput(householdId) }),
        'registerResident',
      );
      const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
      for (const on of ['0001-01-01', '1962-05-16', '9999-12-31', tomorrow]) {
        const res = await asStaff(
          `mutation($id: ID!, $on: Date!) { moveOutResident(input: { residentId: $id, movedOutOn: $on }) { status } }`,
          { id: r.id, on },
        );
        expect({ on, error: res.errors?.[0]?.extensions }).toEqual({
          on,
          error: { code: 'BAD_USER_INPUT', field: 'input.movedOutOn' },
        });
      }
      const read = await asStaff(`query($id: ID!) { resident(id: $id) { status } }`, { id: r.id });
      expect(read.data).toEqual({ resident: { status: 'ACTIVE' } });
    });

    it('when an anonymous caller sends invalid input to any mutation or signed-in query, then UNAUTHENTICATED comes before any validation', async () => {
      const { householdId } = await seedHousehold(asStaff);
      const before = await counts();
      const calls = [
        `mutation { createGrid(input: { name: "" }) { id } }`,
        `mutation { registerBuilding(input: { name: "", address: "", gridId: "x" }) { id } }`,
        `mutation { registerHousehold(input: { buildingId: "x", unit: "", room: "" }) { id } }`,
        `mutation { registerResident(input: { householdId: "${householdId}", name: "", gender: MALE, birthDate: "0001-01-01",
           idCardNumber: "x", residencyType: REGISTERED, relationshipToHead: OTHER }) { id } }`,
        `mutation { registerResident(input: { householdId: "x", name: "A\\u0000", gender: MALE, birthDate: "9999-12-31",
           idCardNumber: "", residencyType: REGISTERED, relationshipToHead: OTHER }) { id } }`,
        `mutation { updateResident(input: { id: "x" }) { id } }`,
        `mutation { moveOutResident(input: { residentId: "x", movedOutOn: "0001-01-01" }) { id } }`,
        `mutation { assignGridMember(input: { gridId: "x", userId: "", name: "" }) { id } }`,
        `mutation { configureKeyGroupTag(input: { code: "BAD", name: "" }) { code } }`,
        `mutation { tagResident(input: { residentId: "x", tag: "BAD" }) { id } }`,
        `mutation { untagResident(input: { residentId: "x", tag: "BAD" }) { id } }`,
        `mutation { recordVisit(input: { householdId: "x", visitedAt: "0001-01-01T00:00:00Z", notes: "\\u0000" }) { id } }`,
        `mutation { fileServiceRequest(input: { type: OTHER, description: "" }) { id } }`,
        `mutation { startServiceRequest(input: { id: "x", note: "\\u0000" }) { id } }`,
        `mutation { resolveServiceRequest(input: { id: "x", resolution: "" }) { id } }`,
        `mutation { rejectServiceRequest(input: { id: "x", reason: "" }) { id } }`,
        `query { resident(id: "x") { id } }`,
        `query { residents(first: 0, after: "forged", filter: { name: "" }) { totalCount } }`,
        `query { household(id: "x") { id } }`,
        `query { building(id: "x") { id } }`,
        `query { buildings(gridId: "x") { id } }`,
        `query { visitsDue(first: 0, after: "forged", gridId: "x") { totalCount } }`,
        `query { scheduledVisits(first: 0, after: "forged", gridId: "x") { totalCount } }`,
        `query { serviceRequest(id: "x") { id } }`,
        `query { serviceRequests(first: 0, after: "forged") { totalCount } }`,
        `query { personalDataAudit(first: 0, after: "forged") { edges { cursor } } }`,
      ];
      for (const query of calls) {
        const res = await callSubgraph(service, anonymous, query);
        expect({ query, code: res.errors?.[0]?.extensions?.code }).toEqual({
          query,
          code: 'UNAUTHENTICATED',
        });
      }
      expect(await counts()).toEqual(before);
    });
  });

  describe('input objects', () => {
    let residentId: string;
    beforeAll(async () => {
      const { householdId } = await seedHousehold(asStaff);
      residentId = dataOf<{ id: string }>(
        await asStaff(REGISTER_RESIDENT, { input: residentInput(householdId, { tags: [] }) }),
        'registerResident',
      ).id;
    });

    it.each([
      ['updateResident', '{ id: "x", name: "Wen Shu" }', 'BAD_USER_INPUT', 'input.id'],
      ['updateResident', 'RESIDENT_ONLY', 'BAD_USER_INPUT', 'input'],
      ['updateResident', 'UNKNOWN { name: "Wen Shu" }', 'NOT_FOUND', 'input.id'],
      ['tagResident', '{ residentId: "x", tag: "disabled" }', 'BAD_USER_INPUT', 'input.residentId'],
      ['tagResident', 'RESIDENT { tag: "Not A Tag" }', 'BAD_USER_INPUT', 'input.tag'],
      ['untagResident', 'UNKNOWN { tag: "disabled" }', 'NOT_FOUND', 'input.residentId'],
      ['startServiceRequest', '{ id: "x" }', 'BAD_USER_INPUT', 'input.id'],
      ['resolveServiceRequest', 'UNKNOWN { resolution: "Done" }', 'NOT_FOUND', 'input.id'],
      ['rejectServiceRequest', '{ id: "x", reason: "" }', 'BAD_USER_INPUT', 'input.id'],
    ])(
      'when %s gets %s, then %s names %s and nothing is written',
      async (mutation, input, code, field) => {
        const key = ['tagResident', 'untagResident'].includes(mutation) ? 'residentId' : 'id';
        const fields = input
          .replace('RESIDENT_ONLY', `{ id: "${residentId}" }`)
          .replace('RESIDENT {', `{ ${key}: "${residentId}",`)
          .replace('UNKNOWN {', `{ ${key}: "${randomUUID()}",`);
        const before = await counts();
        const res = await asStaff(`mutation { ${mutation}(input: ${fields}) { id } }`);
        expect(res.errors?.[0]?.extensions).toEqual({ code, field });
        expect(await counts()).toEqual(before);
      },
    );
  });

  describe('personal data', () => {
    let residentId: string;
    let gridId: string;
    const birthDate = '1950-02-03';
    const idCard = idCardFor(birthDate);
    const read = `query($id: ID!) { resident(id: $id) { idCardNumber phone } }`;

    beforeAll(async () => {
      const seeded = await seedHousehold(asStaff);
      gridId = seeded.gridId;
      const r = dataOf<{ id: string }>(
        await asStaff(REGISTER_RESIDENT, {
          input: residentInput(seeded.householdId, {
            birthDate,
            idCardNumber: idCard,
            phone: '13800001111',
          }),
        }),
        'registerResident',
      );
      residentId = r.id;
    });

    const auditRows = async () =>
      (await service.db.dataSource.query(
        `SELECT actor_user_id, field FROM personal_data_access WHERE resident_id = $1 ORDER BY id`,
        [residentId],
      )) as { actor_user_id: string; field: string }[];

    it('when a volunteer lead reads a resident, then ID card and phone are masked and nothing is audited', async () => {
      const before = (await auditRows()).length;
      const res = await callSubgraph(service, caller(['volunteer_lead']), read, { id: residentId });
      expect(res.data).toEqual({
        resident: {
          idCardNumber: `${idCard.slice(0, 4)}**********${idCard.slice(-4)}`,
          phone: '138****1111',
        },
      });
      expect((await auditRows()).length).toBe(before);
    });

    it('when staff read a resident, then both are unmasked and each read is audited without the value', async () => {
      const before = (await auditRows()).length;
      const res = await callSubgraph(
        service,
        caller(['staff'], { userId: 'staff-auditor' }),
        read,
        { id: residentId },
      );
      expect(res.data).toEqual({ resident: { idCardNumber: idCard, phone: '13800001111' } });
      const rows = (await auditRows()).slice(before);
      expect(rows.map((r) => r.field).sort()).toEqual(['idCardNumber', 'phone']);
      expect(rows.every((r) => r.actor_user_id === 'staff-auditor')).toBe(true);
    });

    it('when a grid member of the grid reads, then the phone is unmasked and the ID card masked', async () => {
      const res = await callSubgraph(
        service,
        caller(['grid_member'], { gridIds: [gridId] }),
        read,
        { id: residentId },
      );
      expect(res.data).toEqual({
        resident: {
          idCardNumber: `${idCard.slice(0, 4)}**********${idCard.slice(-4)}`,
          phone: '13800001111',
        },
      });
    });

    it('when someone who sees the masked ID-card number reads the birth date, then it is withheld (it would unmask the number)', async () => {
      const q = `query($id: ID!) { resident(id: $id) { birthDate age } }`;
      const lead = await callSubgraph(service, caller(['volunteer_lead']), q, { id: residentId });
      expect(lead.data).toEqual({ resident: { birthDate: null, age: expect.any(Number) } });
      const member = await callSubgraph(
        service,
        caller(['grid_member'], { gridIds: [gridId] }),
        q,
        { id: residentId },
      );
      expect((member.data as { resident: { birthDate: unknown } }).resident.birthDate).toBeNull();
      const staffRead = await callSubgraph(service, caller(['staff']), q, { id: residentId });
      expect((staffRead.data as { resident: { birthDate: unknown } }).resident.birthDate).toBe(
        birthDate,
      );
    });

    it('when a grid member places a household in their grid from the building of another grid, then FORBIDDEN', async () => {
      const other = await seedHousehold(asStaff);
      const res = await callSubgraph(
        service,
        caller(['grid_member'], { gridIds: [gridId] }),
        `mutation($b: ID!, $g: ID!) { registerHousehold(input: { buildingId: $b, unit: "9", room: "909", gridId: $g }) { id } }`,
        { b: other.buildingId, g: gridId },
      );
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });

    it('when a resident reads another resident, then FORBIDDEN', async () => {
      const res = await callSubgraph(
        service,
        caller(['resident'], { residentId: randomUUID() }),
        read,
        { id: residentId },
      );
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });

    it('when the registration event is written, then it carries no ID-card number or phone', async () => {
      const rows = (await service.db.dataSource.query(
        `SELECT envelope::text AS e FROM outbox_events WHERE aggregate_id = $1`,
        [residentId],
      )) as { e: string }[];
      expect(rows).toHaveLength(1);
      expect(rows[0]!.e).not.toContain(idCard);
      expect(rows[0]!.e).not.toContain('13800001111');
    });
  });

  describe('listing and pagination', () => {
    let gridId: string;
    let ids: string[];
    beforeAll(async () => {
      const seeded = await seedHousehold(asStaff);
      gridId = seeded.gridId;
      ids = [];
      const people = [
        ['An Lan', '1940-01-10', ['elderly_living_alone']],
        ['Bai Yu', '1985-06-01', []],
        ['Cao Min', '2015-09-09', ['left_behind_child']],
        ['Du Feng', '1972-12-12', ['low_income']],
        ['E Xiao', '1999-03-03', []],
      ] as const;
      for (const [name, birthDate, tags] of people) {
        const r = dataOf<{ id: string }>(
          await asStaff(REGISTER_RESIDENT, {
            input: residentInput(seeded.householdId, {
              name,
              birthDate,
              idCardNumber: idCardFor(birthDate),
              tags,
            }),
          }),
          'registerResident',
        );
        ids.push(r.id);
      }
    });

    const list = `query($first: Int, $after: String, $filter: ResidentFilter) {
      residents(first: $first, after: $after, filter: $filter) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { id name age tags } } } }`;
    type Page = {
      residents: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        edges: { node: { id: string; name: string; age: number; tags: string[] } }[];
      };
    };

    it('when paging through a grid two at a time, then every resident comes once in name order', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      for (let page = 0; page < 5; page++) {
        const res = await asStaff(list, { first: 2, after, filter: { gridId } });
        const p = (res.data as Page).residents;
        expect(p.totalCount).toBe(5);
        seen.push(...p.edges.map((e) => e.node.name));
        if (!p.pageInfo.hasNextPage) break;
        after = p.pageInfo.endCursor;
      }
      expect(seen).toEqual(['An Lan', 'Bai Yu', 'Cao Min', 'Du Feng', 'E Xiao']);
    });

    it('when a grid is read a page at a time, then the pages cover it once in name order, one statement each, counted only when asked', async () => {
      const args = `filter: { gridId: "${gridId}" }`;
      const nodes = await readAllPages<{ id: string }>(asStaff, 'residents', {
        first: 2,
        args,
        node: 'id',
        statements: 1,
      });
      const byName = (await service.db.dataSource.query(
        `SELECT r.id FROM residents r JOIN households h ON h.id = r.household_id
          WHERE h.grid_id = $1 ORDER BY r.name, r.id`,
        [gridId],
      )) as { id: string }[];
      expect(nodes.map((n) => n.id)).toEqual(byName.map((r) => r.id));
      const counted = await asStaff(`{ residents(${args}) { totalCount } }`);
      expect(counted.data).toEqual({ residents: { totalCount: 5 } });
      expect(counted.statements).toBe(2);
      await expectPageBoundsRefused(asStaff, 'residents', args);
    });

    it('when filtering by tag, age range and name, then only matching residents are returned', async () => {
      const byTag = (await asStaff(list, { filter: { gridId, tag: 'low_income' } })).data as Page;
      expect(byTag.residents.edges.map((e) => e.node.name)).toEqual(['Du Feng']);
      const elderly = (await asStaff(list, { filter: { gridId, minAge: 50 } })).data as Page;
      expect(elderly.residents.edges.map((e) => e.node.name)).toEqual(['An Lan', 'Du Feng']);
      const young = (await asStaff(list, { filter: { gridId, maxAge: 30 } })).data as Page;
      expect(young.residents.edges.map((e) => e.node.name)).toEqual(['Cao Min', 'E Xiao']);
      const byName = (await asStaff(list, { filter: { gridId, name: 'feng' } })).data as Page;
      expect(byName.residents.edges.map((e) => e.node.name)).toEqual(['Du Feng']);
    });

    it('when the page size is out of range or the cursor is forged, then BAD_USER_INPUT names the argument', async () => {
      expect((await asStaff(list, { first: 101 })).errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'first',
      });
      expect((await asStaff(list, { after: 'bm90LWEtY3Vyc29y' })).errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'after',
      });
      expect(
        (await asStaff(list, { filter: { minAge: 50, maxAge: 10 } })).errors?.[0]?.extensions,
      ).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'filter.minAge',
      });
    });

    it('when a grid member lists, then only residents of their grids are visible', async () => {
      const own = await callSubgraph(
        service,
        caller(['grid_member'], { gridIds: [gridId] }),
        list,
        { first: 100 },
      );
      const names = (own.data as Page).residents.edges.map((e) => e.node.id);
      expect(names.sort()).toEqual([...ids].sort());
      const other = await callSubgraph(
        service,
        caller(['grid_member'], { gridIds: [randomUUID()] }),
        list,
        {
          filter: { gridId },
        },
      );
      expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });

    it('when a resident lists residents, then only their own record is returned', async () => {
      const me = ids[2]!;
      const res = await callSubgraph(service, caller(['resident'], { residentId: me }), list, {
        first: 100,
      });
      expect((res.data as Page).residents.edges.map((e) => e.node.id)).toEqual([me]);
      expect((res.data as Page).residents.totalCount).toBe(1);
    });

    it('when callers ask who they are, then a resident gets their own record, others none, anonymous callers UNAUTHENTICATED', async () => {
      const me = ids[1]!;
      const query = `{ me { id roles gridIds resident { id } } }`;
      const asResident = await callSubgraph(
        service,
        caller(['resident'], { residentId: me }),
        query,
      );
      expect(asResident.data).toEqual({
        me: { id: 'user-resident', roles: ['resident'], gridIds: [], resident: { id: me } },
      });
      const grid = randomUUID();
      const asMember = await callSubgraph(
        service,
        caller(['grid_member'], { gridIds: [grid] }),
        query,
      );
      expect(asMember.data).toEqual({
        me: { id: 'user-grid_member', roles: ['grid_member'], gridIds: [grid], resident: null },
      });
      const anonymous = await callSubgraph(
        service,
        { userId: null, roles: [], gridIds: [] },
        query,
      );
      expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('when a resident is read with their household address, then the household and its building come in one statement', async () => {
      const room = String(Math.floor(Math.random() * 1e6));
      const { householdId } = await seedHousehold(asStaff, room);
      const r = dataOf<{ id: string }>(
        await asStaff(REGISTER_RESIDENT, { input: residentInput(householdId) }),
        'registerResident',
      );
      const result = await asStaff(
        `query($id: ID!) { resident(id: $id) { household { address building { name } } } }`,
        { id: r.id },
      );
      const household = (
        result.data as { resident: { household: { address: string; building: { name: string } } } }
      ).resident.household;
      expect(household.building.name).toBe(`Building ${room}`);
      expect(household.address).toContain(`Building ${room}, Unit`);
      expect(household.address).toContain(`Room ${room}`);
      // The resident, then the household with its building: the building is not read again.
      expect(result.statements).toBe(2);
    });

    it('when entities are resolved for many representations, then one SQL statement loads them all', async () => {
      const query = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Resident { id name } } }`;
      const reps = ids.map((id) => ({ __typename: 'Resident', id }));
      const result = await asStaff(query, { reps });
      expect((result.data as { _entities: { id: string }[] })._entities.map((e) => e.id)).toEqual(
        ids,
      );
      expect(result.statements).toBe(1);
    });
  });

  describe('lifecycle', () => {
    it('when a resident is updated and moved out, then status, head and events follow', async () => {
      const { householdId } = await seedHousehold(asStaff);
      const r = dataOf<{ id: string }>(
        await asStaff(REGISTER_RESIDENT, {
          input: residentInput(householdId, { relationshipToHead: 'HEAD' }),
        }),
        'registerResident',
      );
      const second = await asStaff(REGISTER_RESIDENT, {
        input: residentInput(householdId, {
          relationshipToHead: 'HEAD',
          idCardNumber: idCardFor('1962-05-17'),
        }),
      });
      expect(second.errors?.[0]?.extensions).toEqual({
        code: 'CONFLICT',
        field: 'input.relationshipToHead',
      });

      const upd = await asStaff(
        `mutation($id: ID!) { updateResident(input: { id: $id, name: "Wen Shu", tags: [] }) { name tags } }`,
        { id: r.id },
      );
      expect(upd.data).toEqual({ updateResident: { name: 'Wen Shu', tags: [] } });

      const out = await asStaff(
        `mutation($id: ID!) { moveOutResident(input: { residentId: $id, movedOutOn: "2026-01-15" }) {
           status movedOutOn household { head { id } } } }`,
        { id: r.id },
      );
      expect(out.data).toEqual({
        moveOutResident: {
          status: 'MOVED_OUT',
          movedOutOn: '2026-01-15',
          household: { head: null },
        },
      });
      const again = await asStaff(
        `mutation($id: ID!) { moveOutResident(input: { residentId: $id, movedOutOn: "2026-01-16" }) { status } }`,
        { id: r.id },
      );
      expect(again.errors?.[0]?.extensions).toEqual({
        code: 'CONFLICT',
        field: 'input.residentId',
      });

      const events = (await service.db.dataSource.query(
        `SELECT type, envelope->'data'->'changed' AS changed FROM outbox_events WHERE aggregate_id = $1 ORDER BY seq`,
        [r.id],
      )) as { type: string; changed: string[] | null }[];
      expect(events).toEqual([
        { type: 'ResidentRegistered', changed: null },
        { type: 'ResidentUpdated', changed: ['name', 'tags'] },
        { type: 'ResidentUntagged', changed: null },
        { type: 'ResidentMovedOut', changed: null },
      ]);
    });

    it('when a grid member is assigned twice, then one member and one event', async () => {
      const { gridId } = await seedHousehold(asStaff);
      const assign = `mutation($g: ID!) { assignGridMember(input: { gridId: $g, userId: "gm-zhao", name: "Zhao Ping" }) {
        id grids { id } } }`;
      const first = dataOf<{ id: string; grids: { id: string }[] }>(
        await asStaff(assign, { g: gridId }),
        'assignGridMember',
      );
      const second = dataOf<{ id: string }>(
        await asStaff(assign, { g: gridId }),
        'assignGridMember',
      );
      expect(second.id).toBe(first.id);
      expect(first.grids.map((g) => g.id)).toContain(gridId);
      const rows = (await service.db.dataSource.query(
        `SELECT count(*)::int AS n FROM outbox_events WHERE type = 'GridMemberAssigned' AND aggregate_id = $1`,
        [gridId],
      )) as { n: number }[];
      expect(rows[0]!.n).toBe(1);
    });
  });
});
