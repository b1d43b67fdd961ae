import type { DataSource } from 'typeorm';
import { FacilityAdded } from '@liyuan/schemas';
import { appendEvents, demoId, newTraceparent, seededRandom, type Logger } from '@liyuan/kit';

/**
 * The community's facilities as the article describes them, the fitness area's equipment, a small
 * library and a season of bookings and loans by demo residents (`demoId('resident', n)`, the ids
 * the residents service's demo data uses). Seeded, so every first start is the same.
 */
const FACILITIES = [
  ['One-Stop Service Hall', 'service_hall', 60, '08:30', '17:30', 'Ground floor, community centre'],
  [
    'Civilization Practice Station',
    'civilization_practice_station',
    40,
    '08:30',
    '20:00',
    'Ground floor, east wing',
  ],
  ['Conference Room', 'conference_room', 30, '08:00', '21:00', 'Second floor, room 201'],
  ['Activity Room', 'activity_room', 50, '08:00', '21:00', 'Second floor, room 205'],
  ['Library', 'library', 40, '09:00', '20:00', 'Second floor, north wing'],
  ['Chess and Card Room', 'chess_and_card_room', 24, '08:00', '21:00', 'First floor, room 105'],
  ['Dance Room', 'dance_room', 35, '07:00', '21:30', 'Third floor'],
  ['Central Square', 'central_square', 500, '06:00', '22:00', 'Between buildings 10 and 20'],
  ['Fitness Area', 'fitness_area', 40, '06:00', '22:00', 'South garden'],
] as const;

const EQUIPMENT = [
  'Twist Stepper',
  'Sit-up Bench',
  'Leg Press',
  'Shoulder Wheel',
  'Pull-up Bar',
  'Air Walker',
  'Waist Twister',
  'Tai Chi Wheel',
];
const BOOKS = [
  ['Elderly Health at Home', 'Community Health Centre'],
  ['Guarding Against Telecom Fraud', 'Dunhuang Public Security'],
  ['Tales of the Silk Road', 'Various'],
  ['Growing Vegetables on a Balcony', 'Gu Lan'],
  ['Picture Book: The Crescent Spring', 'Ma Yuqing'],
  ['Social Insurance Made Simple', 'Gansu Human Resources'],
  ['Chinese Chess Openings', 'Hu Qiang'],
  ['Square Dance for Beginners', 'Tian Fang'],
  ['Mogao Caves: A Guide', 'Dunhuang Academy'],
  ['Cooking for Diabetics', 'Zhou Min'],
] as const;

/** Loads the demo facilities into an empty database; returns how many bookings it added. */
export async function seedFacilitiesDemo(dataSource: DataSource, logger: Logger): Promise<number> {
  const [{ n }] = (await dataSource.query(`SELECT count(*)::int AS n FROM facilities`)) as [
    { n: number },
  ];
  if (n > 0) return 0;
  const rand = seededRandom(1994);
  const DAY = 86_400_000;
  const todayMidnight = Math.floor((Date.now() + 8 * 3_600_000) / DAY) * DAY - 8 * 3_600_000;
  let bookings = 0;
  await dataSource.transaction(async (m) => {
    for (const [i, [name, kind, capacity, opens, closes, location]] of FACILITIES.entries()) {
      await m.query(
        `INSERT INTO facilities (id, name, kind, capacity, opens_at, closes_at, location) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [demoId('facility', i + 1), name, kind, capacity, opens, closes, location],
      );
    }
    // Announced like any added facility: the spaces and opportunities of the other services' demo
    // data are hosted in these.
    await appendEvents(
      m,
      'facilities',
      FACILITIES.map(([, kind], i) => ({
        contract: FacilityAdded,
        aggregateId: demoId('facility', i + 1),
        data: { facilityId: demoId('facility', i + 1), kind },
      })),
      newTraceparent(),
    );
    const fitness = demoId('facility', FACILITIES.length);
    for (const [i, name] of EQUIPMENT.entries()) {
      const id = demoId('equipment', i + 1);
      const broken = i === 2;
      await m.query(
        `INSERT INTO equipment (id, facility_id, name, status) VALUES ($1, $2, $3, $4)`,
        [id, fitness, name, broken ? 'out_of_service' : 'in_service'],
      );
      await m.query(
        `INSERT INTO inspections (id, equipment_id, inspected_at, passed, notes, inspector_user_id)
         VALUES ($1, $2, now() - interval '3 days', $3, $4, 'facility-manager-1')`,
        [demoId('inspection', i + 1), id, !broken, broken ? 'Bearing worn, wobbles' : 'OK'],
      );
      if (broken) {
        await m.query(
          `INSERT INTO repair_orders (id, equipment_id, facility_id, source, description) VALUES ($1, $2, $3, 'inspection', $4)`,
          [demoId('repair-order', 1), id, fitness, 'Bearing worn, wobbles'],
        );
      }
    }
    const copies = BOOKS.map(() => 1 + Math.floor(rand() * 3));
    for (const [i, [title, author]] of BOOKS.entries()) {
      await m.query(`INSERT INTO books (id, title, author, copies) VALUES ($1, $2, $3, $4)`, [
        demoId('book', i + 1),
        title,
        author,
        copies[i],
      ]);
    }
    // Rooms booked in three daily slots over the past 60 days and the next 14; past ones were used.
    const slots = [
      [9 * 60, 10 * 60 + 30],
      [14 * 60, 15 * 60 + 30],
      [19 * 60, 20 * 60 + 30],
    ];
    const bookable = [3, 4, 6, 7];
    for (let day = -60; day <= 14; day++) {
      for (const f of bookable) {
        for (const [start, end] of slots) {
          if (rand() > 0.35) continue;
          const startsAt = new Date(todayMidnight + day * DAY + start! * 60_000);
          const endsAt = new Date(todayMidnight + day * DAY + end! * 60_000);
          const past = endsAt.getTime() < Date.now();
          if (!past && startsAt.getTime() < Date.now()) continue;
          bookings += 1;
          await m.query(
            `INSERT INTO bookings (id, facility_id, booker_type, resident_id, during, attendees, purpose, status, created_by)
             VALUES ($1, $2, 'resident', $3, tstzrange($4, $5, '[)'), $6, $7, $8, 'demo')`,
            [
              demoId('booking', bookings),
              demoId('facility', f),
              demoId('resident', 1 + Math.floor(rand() * 400)),
              startsAt,
              endsAt,
              2 + Math.floor(rand() * 15),
              [
                'Calligraphy practice',
                'Chess club',
                'Family birthday',
                'Square dance rehearsal',
                'Study group',
              ][Math.floor(rand() * 5)],
              past ? (rand() < 0.9 ? 'checked_in' : 'no_show') : 'confirmed',
            ],
          );
        }
      }
    }
    const onLoan = BOOKS.map(() => 0);
    for (let i = 1; i <= 40; i++) {
      const book = i % BOOKS.length;
      const borrowedDaysAgo = Math.floor(rand() * 60);
      // Loans never exceed the copies: once every copy is out, further loans were returned.
      const open = rand() >= 0.5 && onLoan[book]! < copies[book]!;
      if (open) onLoan[book] = onLoan[book]! + 1;
      await m.query(
        `INSERT INTO loans (id, book_id, resident_id, borrowed_at, due_on, returned_at)
         VALUES ($1, $2, $3, now() - make_interval(days => $4), (now() - make_interval(days => $4))::date + 30, $5)`,
        [
          demoId('loan', i),
          demoId('book', 1 + book),
          demoId('resident', 1 + Math.floor(rand() * 400)),
          borrowedDaysAgo,
          open ? null : new Date(Date.now() - Math.floor(rand() * borrowedDaysAgo) * DAY),
        ],
      );
    }
  });
  logger.info(
    { facilities: FACILITIES.length, equipment: EQUIPMENT.length, books: BOOKS.length, bookings },
    'demo data loaded',
  );
  return bookings;
}
