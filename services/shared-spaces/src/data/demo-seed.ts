import type { DataSource } from 'typeorm';
import { demoId, type Logger } from '@liyuan/kit';

/**
 * The ten shared spaces, hosted in the demo facilities (`demoId('facility', n)`), community and
 * courtyard branches with demo residents as members, and a season of past and coming activities.
 */
const SPACES = [
  ['Party and Masses Hall', 'party_and_masses', 2],
  ['Silver Age Home', 'elderly_care', 4],
  ['Parent-Child Corner', 'parent_child', 4],
  ['Culture and Arts Stage', 'culture_and_entertainment', 7],
  ['Reading Room', 'reading', 5],
  ['Health Station', 'health', 3],
  ['Legal Aid Desk', 'legal_aid', 1],
  ['Youth Studio', 'youth', 4],
  ['Volunteer Hub', 'volunteer_service', 2],
  ['Neighbourhood Square', 'neighbourhood', 8],
] as const;

/** Loads the demo spaces into an empty database; returns how many activities it added. */
export async function seedSharedSpacesDemo(
  dataSource: DataSource,
  logger: Logger,
): Promise<number> {
  const [{ n }] = (await dataSource.query(`SELECT count(*)::int AS n FROM shared_spaces`)) as [
    { n: number },
  ];
  if (n > 0) return 0;
  const DAY = 86_400_000;
  const midnight = Math.floor((Date.now() + 8 * 3_600_000) / DAY) * DAY - 8 * 3_600_000;
  let activities = 0;
  await dataSource.transaction(async (m) => {
    const branches = [
      'Liyuan Community Branch',
      'Courtyard 1 Branch',
      'Courtyard 2 Branch',
      'Courtyard 3 Branch',
    ];
    for (const [i, name] of branches.entries()) {
      await m.query(`INSERT INTO party_branches (id, name, kind) VALUES ($1, $2, $3)`, [
        demoId('branch', i + 1),
        name,
        i ? 'courtyard' : 'community',
      ]);
    }
    for (let i = 1; i <= 120; i++) {
      await m.query(
        `INSERT INTO party_members (id, resident_id, branch_id, joined_on, reported_to_community, service_post)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          demoId('party-member', i),
          demoId('resident', i * 7),
          demoId('branch', 1 + (i % branches.length)),
          `${1975 + (i % 45)}-07-01`,
          i % 5 === 0,
          i % 5 === 0
            ? ['Elderly visits', 'Fraud-prevention outreach', 'Hygiene drive'][i % 3]
            : null,
        ],
      );
    }
    for (const [i, [name, theme, facility]] of SPACES.entries()) {
      await m.query(
        `INSERT INTO shared_spaces (id, name, theme, facility_id) VALUES ($1, $2, $3, $4)`,
        [demoId('space', i + 1), name, theme, demoId('facility', facility)],
      );
      // A weekly activity, over the past eight weeks and the next two; past ones happened.
      for (let week = -8; week <= 2; week++) {
        activities += 1;
        const startsAt = new Date(midnight + (week * 7 + (i % 7) + 1) * DAY + 10 * 3_600_000);
        const past = week < 0;
        await m.query(
          `INSERT INTO activities (id, space_id, facility_id, title, starts_at, ends_at, capacity, status, organiser)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'demo')`,
          [
            demoId('activity', activities),
            demoId('space', i + 1),
            demoId('facility', facility),
            `${name}: weekly gathering`,
            startsAt,
            new Date(startsAt.getTime() + 90 * 60_000),
            30,
            past ? 'completed' : 'confirmed',
          ],
        );
        for (let r = 0; r < 6; r++) {
          await m.query(
            `INSERT INTO registrations (activity_id, resident_id, status) VALUES ($1, $2, $3)`,
            [
              demoId('activity', activities),
              demoId('resident', ((activities * 13 + r * 7) % 840) * 7 + 7),
              past ? 'checked_in' : 'registered',
            ],
          );
        }
      }
    }
  });
  logger.info({ spaces: SPACES.length, activities }, 'demo data loaded');
  return activities;
}
