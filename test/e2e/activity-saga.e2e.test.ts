import {
  startTestGateway,
  startTestService,
  type TestGateway,
  type TestService,
} from '../support/stack';
import { waitFor } from '../support/wait';
import { untilKnown } from '../support/references';
import { inDaysAt } from '../support/time';

/** The venue saga between shared-spaces and facilities over Kafka, both answers, seen through the gateway. */
describe('scheduling a shared-space activity books its venue', () => {
  let facilities: TestService;
  let spaces: TestService;
  let gw: TestGateway;

  beforeAll(async () => {
    [facilities, spaces] = await Promise.all([
      startTestService('facilities'),
      startTestService('shared-spaces'),
    ]);
    gw = await startTestGateway({
      facilities: facilities.service,
      'shared-spaces': spaces.service,
    });
    await Promise.all([facilities.service.eventsReady, spaces.service.eventsReady]);
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all([facilities.stop(), spaces.stop()]);
  });

  it('when two activities ask for the same room and time, then the first is confirmed and the second venue-rejected', async () => {
    const manager = await gw.token(['facility_manager']);
    const secretary = await gw.token(['party_secretary']);
    const room = (
      (
        await gw.query(
          `mutation { addFacility(input: { name: "Activity Room", kind: ACTIVITY_ROOM, capacity: 50, opensAt: "08:00", closesAt: "21:00", location: "Room 205" }) { id } }`,
          {},
          manager,
        )
      ).data as { addFacility: { id: string } }
    ).addFacility.id;
    await untilKnown([spaces.service], 'facilities', [room]);
    const space = (
      (
        await gw.query(
          `mutation($f: ID!) { createSharedSpace(input: { name: "Silver Age Home", theme: ELDERLY_CARE, facilityId: $f }) { id } }`,
          { f: room },
          secretary,
        )
      ).data as { createSharedSpace: { id: string } }
    ).createSharedSpace.id;
    const schedule = async (title: string) =>
      (
        (
          await gw.query(
            `mutation($s: ID!, $t: String!, $a: DateTime!, $b: DateTime!) {
              scheduleActivity(input: { spaceId: $s, title: $t, startsAt: $a, endsAt: $b, capacity: 20 }) { id status } }`,
            { s: space, t: title, a: inDaysAt(2, 10), b: inDaysAt(2, 12) },
            secretary,
          )
        ).data as { scheduleActivity: { id: string; status: string } }
      ).scheduleActivity;
    const first = await schedule('Elderly lunch');
    expect(first.status).toBe('PLANNED');
    const statusOf = async (id: string) =>
      (
        (
          await gw.query(`query($id: ID!) { activity(id: $id) { status venueRejectionReason } }`, {
            id,
          })
        ).data as {
          activity: { status: string; venueRejectionReason: string | null };
        }
      ).activity;
    await waitFor('the first confirmed', async () =>
      (await statusOf(first.id)).status === 'CONFIRMED' ? true : undefined,
    );
    const second = await schedule('Calligraphy class');
    await waitFor('the second answered', async () =>
      (await statusOf(second.id)).status !== 'PLANNED' ? true : undefined,
    );
    expect(await statusOf(second.id)).toEqual({
      status: 'VENUE_REJECTED',
      venueRejectionReason: 'slot_taken',
    });

    const facility = await gw.query(
      `query($id: ID!, $from: DateTime!, $to: DateTime!) { facility(id: $id) { name sharedSpaces { name }
        upcomingActivities { edges { node { id status } } }
        availability(from: $from, to: $to) { booked { start end } } } }`,
      { id: room, from: inDaysAt(2, 0), to: inDaysAt(3, 0) },
    );
    expect(facility.errors).toBeUndefined();
    expect(facility.data).toEqual({
      facility: {
        name: 'Activity Room',
        sharedSpaces: [{ name: 'Silver Age Home' }],
        upcomingActivities: { edges: [{ node: { id: first.id, status: 'CONFIRMED' } }] },
        availability: { booked: [{ start: inDaysAt(2, 10), end: inDaysAt(2, 12) }] },
      },
    });
  });
});
