import {
  REGISTER_RESIDENT,
  dataOf,
  residentInput,
  seedHousehold,
} from '../support/registry-fixtures';
import {
  startTestGateway,
  startTestService,
  type TestGateway,
  type TestService,
} from '../support/stack';

const HOUR = 3_600_000;
const tomorrowAt = (hour: number) => {
  const day = Math.floor((Date.now() + 8 * HOUR) / (24 * HOUR)) * 24 * HOUR - 8 * HOUR + 24 * HOUR;
  return new Date(day + hour * HOUR).toISOString();
};

/** One query through the gateway spans the residents and facilities subgraphs. */
describe('a resident and their bookings through the gateway', () => {
  let residents: TestService;
  let facilities: TestService;
  let gw: TestGateway;

  beforeAll(async () => {
    [residents, facilities] = await Promise.all([
      startTestService('residents'),
      startTestService('facilities'),
    ]);
    gw = await startTestGateway({ residents: residents.service, facilities: facilities.service });
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all([residents.stop(), facilities.stop()]);
  });

  it('when a resident books a room, then one query returns them with their household and booking; others see no bookings', async () => {
    const staff = await gw.token(['staff']);
    const asStaff = (q: string, v?: Record<string, unknown>) => gw.query(q, v, staff);
    const { householdId } = await seedHousehold(asStaff);
    const resident = dataOf<{ id: string }>(
      await asStaff(REGISTER_RESIDENT, { input: residentInput(householdId) }),
      'registerResident',
    );
    const manager = await gw.token(['facility_manager']);
    const room = dataOf<{ id: string }>(
      await gw.query(
        `mutation { addFacility(input: { name: "Chess and Card Room", kind: CHESS_AND_CARD_ROOM, capacity: 24,
          opensAt: "08:00", closesAt: "21:00", location: "Room 105" }) { id } }`,
        {},
        manager,
      ),
      'addFacility',
    );
    const mine = await gw.token(['resident'], {
      residentId: resident.id,
      sub: `resident-${resident.id}`,
    });
    const booking = dataOf<{ id: string }>(
      await gw.query(
        `mutation($input: BookFacilityInput!) { bookFacility(input: $input) { id } }`,
        {
          input: {
            facilityId: room.id,
            startsAt: tomorrowAt(15),
            endsAt: tomorrowAt(17),
            attendees: 4,
            purpose: 'Chess club',
          },
        },
        mine,
      ),
      'bookFacility',
    );

    const query = `query($id: ID!) { resident(id: $id) { id name household { address }
      bookings { edges { node { id status startsAt facility { name } } } } } }`;
    const res = await gw.query(query, { id: resident.id }, mine);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      resident: {
        id: resident.id,
        name: 'Wen Shuyi',
        household: { address: expect.stringContaining('Unit 1') },
        bookings: {
          edges: [
            {
              node: {
                id: booking.id,
                status: 'CONFIRMED',
                startsAt: tomorrowAt(15),
                facility: { name: 'Chess and Card Room' },
              },
            },
          ],
        },
      },
    });

    const lead = await gw.token(['volunteer_lead']);
    const other = await gw.query(query, { id: resident.id }, lead);
    expect((other.data as { resident: { bookings: unknown } }).resident.bookings).toBeNull();
  });
});
