import type { DataSource } from 'typeorm';
import { TeamCreated } from '@liyuan/schemas';
import { appendEvents, demoId, newTraceparent, seededRandom, type Logger } from '@liyuan/kit';

/** The four teams, the repair team and the Mom's team, demo residents as volunteers, a season of opportunities and approved hours. */
const TEAMS = [
  ['Party Member Team', 'party_members'],
  ['Grid Member Team', 'grid_members'],
  ['Volunteer Team', 'volunteers'],
  ['Industry Association Team', 'industry_associations'],
  ['Repair Team', 'repair'],
  ["Mom's Team", 'group'],
] as const;
const KINDS = ['hygiene_drive', 'fraud_prevention', 'elderly_visits', 'activity_staffing'] as const;

export async function seedVolunteersDemo(dataSource: DataSource, logger: Logger): Promise<number> {
  const [{ n }] = (await dataSource.query(`SELECT count(*)::int AS n FROM teams`)) as [
    { n: number },
  ];
  if (n > 0) return 0;
  const rand = seededRandom(315);
  const DAY = 86_400_000;
  let records = 0;
  let approved = 0;
  await dataSource.transaction(async (m) => {
    for (const [i, [name, kind]] of TEAMS.entries()) {
      await m.query(`INSERT INTO teams (id, name, kind, lead_user_id) VALUES ($1, $2, $3, $4)`, [
        demoId('team', i + 1),
        name,
        kind,
        `volunteer-lead-${i + 1}`,
      ]);
    }
    // Announced like any new team: facilities lets each lead book for their own team.
    await appendEvents(
      m,
      'volunteers',
      TEAMS.map((_, i) => ({
        contract: TeamCreated,
        aggregateId: demoId('team', i + 1),
        data: { teamId: demoId('team', i + 1), leadUserId: `volunteer-lead-${i + 1}` },
      })),
      newTraceparent(),
    );
    for (let i = 1; i <= 150; i++) {
      const v = demoId('volunteer', i);
      await m.query(
        `INSERT INTO volunteers (id, resident_id, skills, availability) VALUES ($1, $2, $3, 'weekends')`,
        [
          v,
          demoId('resident', i * 11),
          [['cleaning'], ['first aid'], ['repairs'], ['storytelling'], ['computers']][i % 5],
        ],
      );
      await m.query(`INSERT INTO team_members (team_id, volunteer_id) VALUES ($1, $2)`, [
        demoId('team', 1 + (i % TEAMS.length)),
        v,
      ]);
    }
    for (let week = -10; week <= 2; week++) {
      const o = demoId('opportunity', week + 11);
      const startsAt = new Date(Date.now() + week * 7 * DAY);
      // A morning and an afternoon shift of three hours, ten volunteers each.
      const shifts = [0, 5].map((offset, k) => ({
        id: demoId('shift', (week + 11) * 2 + k),
        startsAt: new Date(startsAt.getTime() + offset * 3_600_000),
        endsAt: new Date(startsAt.getTime() + (offset + 3) * 3_600_000),
      }));
      await m.query(
        `INSERT INTO opportunities (id, team_id, kind, title, starts_at, ends_at, slots) VALUES ($1, $2, $3, $4, $5, $6, 20)`,
        [
          o,
          demoId('team', 1 + ((week + 11) % 4)),
          KINDS[(week + 11) % KINDS.length],
          `Week ${week + 11}: community service`,
          shifts[0]!.startsAt,
          shifts[1]!.endsAt,
        ],
      );
      for (const shift of shifts) {
        await m.query(
          `INSERT INTO shifts (id, opportunity_id, starts_at, ends_at, slots) VALUES ($1, $2, $3, $4, 10)`,
          [shift.id, o, shift.startsAt, shift.endsAt],
        );
      }
      if (week >= 0) continue;
      for (let k = 0; k < 6; k++) {
        const v = demoId('volunteer', 1 + Math.floor(rand() * 150));
        records += 1;
        const hours = 1 + Math.floor(rand() * 3);
        const inserted = (await m.query(
          `INSERT INTO service_records (id, volunteer_id, opportunity_id, shift_id, team_id, hours, served_on, status, approved_by, approved_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'approved', 'demo', $7) ON CONFLICT DO NOTHING RETURNING id`,
          [
            demoId('service-record', records),
            v,
            o,
            shifts[k % 2]!.id,
            demoId('team', 1 + ((week + 11) % 4)),
            hours,
            startsAt,
          ],
        )) as unknown[];
        if (inserted.length) {
          approved += 1;
          const [{ b }] = (await m.query(
            `SELECT coalesce((SELECT balance_after FROM time_bank WHERE volunteer_id = $1 ORDER BY id DESC LIMIT 1), 0)::int AS b`,
            [v],
          )) as [{ b: number }];
          await m.query(
            `INSERT INTO time_bank (volunteer_id, delta, reason, reference, balance_after) VALUES ($1, $2, 'earned', $3, $4)`,
            [v, hours * 10, demoId('service-record', records), b + hours * 10],
          );
        }
      }
    }
  });
  logger.info(
    { teams: TEAMS.length, volunteers: 150, serviceRecords: approved },
    'demo data loaded',
  );
  return approved;
}
