import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import {
  appendEvents,
  demoId,
  newTraceparent,
  seededRandom,
  type Logger,
  type PendingEvent,
} from '@liyuan/kit';
import {
  BuildingRegistered,
  GridCreated,
  GridMemberAssigned,
  HouseholdRegistered,
  ResidentRegistered,
  ServiceRequestFiled,
  ServiceRequestResolved,
  VisitRecorded,
} from '@liyuan/schemas';
import { idCardCheckDigit } from '../domain/personal-data';
import type { Relationship } from '../domain/model';

/**
 * Synthetic demo data for a community of about 2,000 households and 5,000 residents. Names are
 * drawn from common surnames and given names; the people quoted in the source article are never
 * used. The generator is seeded and ids come from `demoId`, so every first start produces the same
 * community and the other services' demo data can refer to resident n as `demoId('resident', n)`.
 */

const SURNAMES = [
  'Wang',
  'Li',
  'Zhang',
  'Liu',
  'Chen',
  'Yang',
  'Zhao',
  'Huang',
  'Zhou',
  'Wu',
  'Xu',
  'Sun',
  'Ma',
  'Zhu',
  'Hu',
  'Guo',
  'He',
  'Gao',
  'Lin',
  'Luo',
  'Zheng',
  'Liang',
  'Song',
  'Tang',
  'Han',
  'Feng',
  'Deng',
  'Cao',
  'Peng',
  'Zeng',
  'Xiao',
  'Tian',
  'Dong',
  'Pan',
  'Yuan',
  'Cai',
  'Jiang',
  'Yu',
  'Du',
  'Ye',
];
const GIVEN = [
  'Wei',
  'Fang',
  'Min',
  'Jing',
  'Lei',
  'Qiang',
  'Jun',
  'Yan',
  'Jie',
  'Tao',
  'Ming',
  'Chao',
  'Xiu',
  'Hua',
  'Ping',
  'Gang',
  'Hui',
  'Ying',
  'Bo',
  'Lan',
  'Xin',
  'Yu',
  'Dan',
  'Hao',
  'Rui',
  'Ning',
  'Kai',
  'Qing',
  'Shan',
  'Zhen',
  'Yun',
  'Feng',
  'Li',
  'Na',
  'Tingting',
  'Haoran',
  'Zihan',
  'Yuxuan',
  'Guiying',
  'Shulan',
  'Jianguo',
  'Jianhua',
  'Yongmei',
  'Xiuzhen',
];
/** People named in the article the product grew from: never demo residents. */
const EXCLUDED = new Set(['Zhang Caixia', 'Ren Yulian', 'Wen Ling', 'Wang Xiling', 'Li Wenjing']);

interface Row {
  [k: string]: unknown;
}

/** Bulk insert through unnest; a type `a->b` passes values as `a` and casts them to `b` (arrays travel as text). */
async function insertMany(
  m: EntityManager,
  table: string,
  columns: string[],
  types: string[],
  rows: Row[],
): Promise<void> {
  const params = types.map((t, j) => `$${j + 1}::${t.split('->')[0]}[]`).join(', ');
  const select = types
    .map((t, j) => `c${j}${t.includes('->') ? `::${t.split('->')[1]}` : ''}`)
    .join(', ');
  const aliases = types.map((_, j) => `c${j}`).join(', ');
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    await m.query(
      `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${select} FROM unnest(${params}) AS u(${aliases})`,
      columns.map((c) => chunk.map((r) => r[c])),
    );
  }
}

/** Loads the demo community when the registry is empty; returns how many residents it added. */
export async function seedDemoData(
  dataSource: DataSource,
  logger: Logger,
  households = 2000,
): Promise<number> {
  const [{ n }] = (await dataSource.query(`SELECT count(*)::int AS n FROM grids`)) as [
    { n: number },
  ];
  if (n > 0) return 0;
  const rand = seededRandom(20221);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const traceparent = newTraceparent();
  const events: PendingEvent[] = [];

  const root = {
    id: demoId('grid', 0),
    name: 'Liyuan Community',
    parent_id: null as string | null,
  };
  const grids = [
    root,
    ...Array.from({ length: 8 }, (_, i) => ({
      id: demoId('grid', i + 1),
      name: `Grid ${i + 1}`,
      parent_id: root.id,
    })),
  ];
  for (const g of grids)
    events.push({
      contract: GridCreated,
      aggregateId: g.id,
      data: { gridId: g.id, parentId: g.parent_id },
    });

  const leaves = grids.slice(1);
  const buildings = Array.from({ length: 40 }, (_, i) => ({
    id: demoId('building', i + 1),
    name: `Building ${i + 1}`,
    address: `${10 + i * 2} Liyuan Road, Shazhou Town`,
    grid_id: leaves[Math.floor(i / 5)]!.id,
  }));
  for (const b of buildings) {
    events.push({
      contract: BuildingRegistered,
      aggregateId: b.id,
      data: { buildingId: b.id, gridId: b.grid_id },
    });
  }

  const householdRows: Row[] = [];
  const residentRows: Row[] = [];
  let serial = 0;
  const usedIdCards = new Set<string>();
  for (let h = 0; h < households; h++) {
    const building = buildings[h % buildings.length]!;
    const index = Math.floor(h / buildings.length);
    const household = {
      id: demoId('household', h + 1),
      building_id: building.id,
      grid_id: building.grid_id,
      unit: String(1 + (index % 5)),
      room: String(101 + Math.floor(index / 5) * 100 + (index % 2)),
      head_resident_id: null as string | null,
    };
    householdRows.push(household);
    events.push({
      contract: HouseholdRegistered,
      aggregateId: household.id,
      data: { householdId: household.id, buildingId: building.id, gridId: building.grid_id },
    });
    const surname = pick(SURNAMES);
    const size = 1 + Math.floor(rand() * 4);
    const headYear = 1935 + Math.floor(rand() * 65);
    for (let k = 0; k < size; k++) {
      const relationship: Relationship = k === 0 ? 'head' : k === 1 ? 'spouse' : 'child';
      const year =
        k === 0
          ? headYear
          : k === 1
            ? headYear + Math.floor(rand() * 5) - 2
            : Math.min(headYear + 22 + Math.floor(rand() * 15), 2025);
      const birthDate = `${year}-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`;
      let name = `${k === 1 ? pick(SURNAMES) : surname} ${pick(GIVEN)}`;
      if (EXCLUDED.has(name)) name = `${surname} Anping`;
      let first17: string;
      do {
        serial += 1;
        first17 = `620982${birthDate.replace(/-/g, '')}${String(serial % 1000).padStart(3, '0')}`;
      } while (usedIdCards.has(first17));
      usedIdCards.add(first17);
      const id = demoId('resident', residentRows.length + 1);
      const age = 2026 - year;
      const tags: string[] = [];
      if (size === 1 && age >= 70) tags.push('elderly_living_alone');
      if (rand() < 0.03) tags.push('disabled');
      if (rand() < 0.05) tags.push('low_income');
      if (age < 16 && rand() < 0.2) tags.push('left_behind_child');
      residentRows.push({
        id,
        household_id: household.id,
        name,
        gender: rand() < 0.5 ? 'male' : 'female',
        birth_date: birthDate,
        id_card_number: `${first17}${idCardCheckDigit(first17)}`,
        phone: age >= 12 ? `13${String(Math.floor(rand() * 1e9)).padStart(9, '0')}` : null,
        residency_type: rand() < 0.7 ? 'registered' : rand() < 0.6 ? 'permanent' : 'floating',
        relationship_to_head: relationship,
        tags: `{${tags.join(',')}}`,
      });
      if (k === 0) household.head_resident_id = id;
      events.push({
        contract: ResidentRegistered,
        aggregateId: id,
        data: {
          residentId: id,
          householdId: household.id,
          gridId: building.grid_id,
          status: 'active',
          residencyType: residentRows[residentRows.length - 1]!.residency_type as 'registered',
          tags,
        },
      });
    }
  }

  const members = leaves.map((g, i) => ({
    id: demoId('grid-member', i + 1),
    user_id: `grid-member-${i + 1}`,
    name: `${pick(SURNAMES)} ${pick(GIVEN)}`,
    grid_id: g.id,
  }));
  for (const m of members) {
    events.push({
      contract: GridMemberAssigned,
      aggregateId: m.grid_id,
      data: { gridId: m.grid_id, gridMemberId: m.id, userId: m.user_id },
    });
  }

  // A season of visits: every household with a cadence tag was visited 0 to 40 days ago by its
  // grid's member, so some are due and some overdue.
  const memberOfGrid = new Map<string, string>(members.map((m) => [m.grid_id, m.user_id]));
  const cadenceTags = new Set([
    'elderly_living_alone',
    'disabled',
    'left_behind_child',
    'empty_nest_elderly',
    'low_income',
  ]);
  const tagged = new Set(
    residentRows
      .filter((r) =>
        String(r.tags)
          .slice(1, -1)
          .split(',')
          .some((t) => cadenceTags.has(t)),
      )
      .map((r) => r.household_id),
  );
  const visitRows: Row[] = [];
  const now = Date.now();
  for (const h of householdRows) {
    if (!tagged.has(h.id)) continue;
    const visitedAt = new Date(now - Math.floor(rand() * 40 * 86_400_000));
    const row = {
      id: randomUUID(),
      household_id: h.id,
      grid_id: h.grid_id,
      visitor_user_id: memberOfGrid.get(String(h.grid_id)) ?? 'grid-member-1',
      visited_at: visitedAt.toISOString(),
      notes: pick([
        'All well.',
        'Delivered rice and oil.',
        'Checked the gas stove.',
        'Talked about the fraud-prevention talk.',
      ]),
    };
    visitRows.push(row);
    events.push({
      contract: VisitRecorded,
      aggregateId: h.id as string,
      data: {
        visitId: row.id,
        householdId: h.id as string,
        residentId: null,
        gridId: h.grid_id as string,
        visitedAt: row.visited_at,
        followUpNeeded: false,
      },
    });
  }

  // Service requests at the hall, in every state but referred (the owning services refer those).
  const TYPES = [
    'social_insurance',
    'medical_insurance',
    'dispute',
    'facility_fault',
    'fraud_report',
    'other',
  ] as const;
  const requestRows: Row[] = [];
  const changeRows: Row[] = [];
  for (let i = 0; i < 300; i++) {
    const r = residentRows[Math.floor(rand() * residentRows.length)]!;
    const household = householdRows.find((h) => h.id === r.household_id)!;
    const type = pick(TYPES);
    const filedAt = new Date(now - Math.floor(rand() * 90 * 86_400_000));
    const referable = type === 'dispute' || type === 'facility_fault';
    const status = referable
      ? 'filed'
      : pick(['filed', 'in_progress', 'resolved', 'resolved', 'rejected'] as const);
    const id = randomUUID();
    requestRows.push({
      id,
      resident_id: r.id,
      household_id: r.household_id,
      grid_id: household.grid_id,
      type,
      description: pick([
        'Needs help with the pension transfer.',
        'Medical insurance reimbursement.',
        'Neighbour dispute about noise.',
        'Street lamp broken.',
        'Suspicious phone call asking for a bank code.',
        'Asks about the elderly canteen.',
      ]),
      status,
      filed_by: 'hall-staff',
      filed_at: filedAt.toISOString(),
    });
    const path = [
      'filed',
      ...(status === 'filed'
        ? []
        : status === 'rejected'
          ? ['rejected']
          : ['in_progress', ...(status === 'resolved' ? ['resolved'] : [])]),
    ];
    path.forEach((to, k) =>
      changeRows.push({
        request_id: id,
        from_status: k ? path[k - 1] : null,
        to_status: to,
        actor: 'hall-staff',
        at: new Date(filedAt.getTime() + k * 86_400_000).toISOString(),
      }),
    );
    events.push({
      contract: ServiceRequestFiled,
      aggregateId: id,
      data: {
        requestId: id,
        residentId: r.id as string,
        householdId: r.household_id as string,
        gridId: household.grid_id as string,
        type,
      },
    });
    if (status === 'resolved' || status === 'rejected') {
      events.push({
        contract: ServiceRequestResolved,
        aggregateId: id,
        data: {
          requestId: id,
          residentId: r.id as string,
          type,
          outcome: status,
          referredTo: null,
        },
      });
    }
  }

  await dataSource.transaction(async (m) => {
    await insertMany(m, 'grids', ['id', 'name', 'parent_id'], ['uuid', 'text', 'uuid'], grids);
    await insertMany(
      m,
      'buildings',
      ['id', 'name', 'address', 'grid_id'],
      ['uuid', 'text', 'text', 'uuid'],
      buildings,
    );
    await insertMany(
      m,
      'households',
      ['id', 'building_id', 'grid_id', 'unit', 'room'],
      ['uuid', 'uuid', 'uuid', 'text', 'text'],
      householdRows,
    );
    await insertMany(
      m,
      'residents',
      [
        'id',
        'household_id',
        'name',
        'gender',
        'birth_date',
        'id_card_number',
        'phone',
        'residency_type',
        'relationship_to_head',
        'tags',
      ],
      ['uuid', 'uuid', 'text', 'text', 'date', 'text', 'text', 'text', 'text', 'text->text[]'],
      residentRows,
    );
    await m.query(
      `UPDATE households h SET head_resident_id = r.id FROM residents r
        WHERE r.household_id = h.id AND r.relationship_to_head = 'head'`,
    );
    await insertMany(
      m,
      'grid_members',
      ['id', 'user_id', 'name'],
      ['uuid', 'text', 'text'],
      members,
    );
    await insertMany(
      m,
      'grid_assignments',
      ['grid_id', 'grid_member_id'],
      ['uuid', 'uuid'],
      members.map((x) => ({ grid_id: x.grid_id, grid_member_id: x.id })),
    );
    await insertMany(
      m,
      'visits',
      ['id', 'household_id', 'grid_id', 'visitor_user_id', 'visited_at', 'notes'],
      ['uuid', 'uuid', 'uuid', 'text', 'timestamptz', 'text'],
      visitRows,
    );
    await insertMany(
      m,
      'service_requests',
      [
        'id',
        'resident_id',
        'household_id',
        'grid_id',
        'type',
        'description',
        'status',
        'filed_by',
        'filed_at',
      ],
      ['uuid', 'uuid', 'uuid', 'uuid', 'text', 'text', 'text', 'text', 'timestamptz'],
      requestRows,
    );
    await insertMany(
      m,
      'service_request_changes',
      ['request_id', 'from_status', 'to_status', 'actor', 'at'],
      ['uuid', 'text', 'text', 'text', 'timestamptz'],
      changeRows,
    );
    for (let i = 0; i < events.length; i += 1000) {
      await appendEvents(m, 'residents', events.slice(i, i + 1000), traceparent);
    }
  });
  logger.info(
    {
      grids: grids.length,
      buildings: buildings.length,
      households,
      residents: residentRows.length,
    },
    'demo data loaded',
  );
  return residentRows.length;
}
