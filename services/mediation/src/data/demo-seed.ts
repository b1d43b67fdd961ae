import type { DataSource } from 'typeorm';
import { demoId, seededRandom, type Logger } from '@liyuan/kit';

/**
 * A roster of mediators and a year of cases across categories and outcomes between demo residents
 * (`demoId('resident', n)`, the residents service's demo ids). Seeded, so every first start is the same.
 */
const MEDIATORS = [
  ['Gao Ping', ['neighbour', 'property']],
  ['Ma Xiulan', ['family']],
  ['Luo Jianguo', ['labour', 'other']],
  ['Tian Hui', ['neighbour']],
  ['Pan Yongmei', ['family', 'property']],
  ['Du Qiang', ['labour']],
] as const;
const CATEGORIES = ['neighbour', 'family', 'property', 'labour', 'other'] as const;
const SUMMARIES: Record<(typeof CATEGORIES)[number], string> = {
  neighbour: 'Water leaking into the flat below; the neighbours disagree on the repair cost.',
  family: 'Siblings disagree on caring for their elderly mother.',
  property: 'Dispute over a parking space in the courtyard.',
  labour: 'Unpaid wages for renovation work.',
  other: 'Noise from a shop on the ground floor at night.',
};

/** Loads the demo roster and cases into an empty database; returns how many cases it added. */
export async function seedMediationDemo(dataSource: DataSource, logger: Logger): Promise<number> {
  const [{ n }] = (await dataSource.query(`SELECT count(*)::int AS n FROM mediators`)) as [
    { n: number },
  ];
  if (n > 0) return 0;
  const rand = seededRandom(2022);
  const DAY = 86_400_000;
  const CASES = 120;
  await dataSource.transaction(async (m) => {
    for (const [i, [name, specialties]] of MEDIATORS.entries()) {
      await m.query(
        `INSERT INTO mediators (id, name, user_id, specialties) VALUES ($1, $2, $3, $4)`,
        [demoId('mediator', i + 1), name, `mediator-${i + 1}`, [...specialties]],
      );
    }
    for (let i = 1; i <= CASES; i++) {
      const id = demoId('case', i);
      const category = CATEGORIES[Math.floor(rand() * CATEGORIES.length)]!;
      const filedAt = new Date(Date.now() - Math.floor(rand() * 365) * DAY);
      const age = (Date.now() - filedAt.getTime()) / DAY;
      const roll = rand();
      // Older cases have ended (mostly in agreement); recent ones are still open.
      const outcome =
        age < 20
          ? null
          : roll < 0.68
            ? 'agreement_reached'
            : roll < 0.83
              ? 'failed'
              : roll < 0.93
                ? 'withdrawn'
                : 'declined';
      const acceptedAt = outcome === 'declined' ? null : new Date(filedAt.getTime() + 2 * DAY);
      const resolvedAt = outcome
        ? new Date(filedAt.getTime() + (5 + Math.floor(rand() * 25)) * DAY)
        : null;
      const status = outcome
        ? age > 60
          ? 'closed'
          : outcome
        : age < 5
          ? 'filed'
          : age < 10
            ? 'accepted'
            : 'in_mediation';
      await m.query(
        `INSERT INTO cases (id, category, source, summary, status, outcome, filed_at, accepted_at, resolved_at, closed_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'demo')`,
        [
          id,
          category,
          rand() < 0.7 ? 'application' : rand() < 0.5 ? 'committee' : 'referral',
          SUMMARIES[category],
          status,
          outcome,
          filedAt,
          status === 'filed' ? null : acceptedAt,
          resolvedAt,
          status === 'closed' ? new Date(resolvedAt!.getTime() + 7 * DAY) : null,
        ],
      );
      const a = 1 + Math.floor(rand() * 2000);
      const b = 1 + ((a + 1 + Math.floor(rand() * 1000)) % 2000);
      await m.query(
        `INSERT INTO case_parties (id, case_id, resident_id, role)
         VALUES ($4, $1, $2, 'applicant'), ($5, $1, $3, 'respondent')`,
        [
          id,
          demoId('resident', a),
          demoId('resident', b),
          demoId('case-party', 2 * i - 1),
          demoId('case-party', 2 * i),
        ],
      );
      if (status !== 'filed' && outcome !== 'declined') {
        await m.query(`INSERT INTO case_mediators (case_id, mediator_id) VALUES ($1, $2)`, [
          id,
          demoId('mediator', 1 + Math.floor(rand() * MEDIATORS.length)),
        ]);
      }
      if (outcome === 'agreement_reached') {
        const signedOn = resolvedAt!.toISOString().slice(0, 10);
        await m.query(
          `INSERT INTO agreements (id, case_id, form, terms, signed_on) VALUES ($1, $2, $3, $4, $5)`,
          [
            demoId('agreement', i),
            id,
            rand() < 0.8 ? 'written' : 'oral',
            'The parties share the cost equally and keep the peace.',
            signedOn,
          ],
        );
        await m.query(
          `INSERT INTO follow_ups (id, case_id, agreement_id, due_on, done_at, outcome)
           VALUES ($1, $2, $3, $4::date + 14, $5, $6)`,
          [
            demoId('follow-up', i),
            id,
            demoId('agreement', i),
            signedOn,
            age > 45 ? new Date(resolvedAt!.getTime() + 14 * DAY) : null,
            age > 45 ? 'The agreement holds.' : null,
          ],
        );
      }
    }
  });
  logger.info({ mediators: MEDIATORS.length, cases: CASES }, 'demo data loaded');
  return CASES;
}
