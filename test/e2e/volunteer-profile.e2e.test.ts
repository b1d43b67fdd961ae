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

/** A resident's volunteer profile, from the volunteers subgraph, in one query with the registry. */
describe("a resident's volunteer profile through the gateway", () => {
  let residents: TestService;
  let volunteers: TestService;
  let gw: TestGateway;

  beforeAll(async () => {
    [residents, volunteers] = await Promise.all([
      startTestService('residents'),
      startTestService('volunteers'),
    ]);
    gw = await startTestGateway({ residents: residents.service, volunteers: volunteers.service });
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all([residents.stop(), volunteers.stop()]);
  });

  it('when a resident volunteers, then their profile with teams, hours and points comes with their record', async () => {
    const staff = await gw.token(['staff']);
    const asStaff = (q: string, v?: Record<string, unknown>) => gw.query(q, v, staff);
    const { householdId } = await seedHousehold(asStaff);
    const resident = dataOf<{ id: string }>(
      await asStaff(REGISTER_RESIDENT, { input: residentInput(householdId) }),
      'registerResident',
    );
    const me = await gw.token(['resident'], {
      residentId: resident.id,
      sub: `resident-${resident.id}`,
    });
    expect(
      (
        await gw.query(
          `mutation { registerVolunteer(input: { skills: ["storytelling"], availability: "weekends" }) { id } }`,
          {},
          me,
        )
      ).errors,
    ).toBeUndefined();
    const team = dataOf<{ id: string }>(
      await asStaff(
        `mutation { createTeam(input: { name: "Mom's Team", kind: GROUP, leadUserId: "lead-e2e" }) { id } }`,
      ),
      'createTeam',
    );
    expect(
      (
        await asStaff(
          `mutation($t: ID!, $r: ID!) { addTeamMember(input: { teamId: $t, residentId: $r }) { id } }`,
          { t: team.id, r: resident.id },
        )
      ).errors,
    ).toBeUndefined();

    const query = `query($id: ID!) { resident(id: $id) { name volunteerProfile { skills status teams { name } approvedHours points } } }`;
    const res = await gw.query(query, { id: resident.id }, me);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      resident: {
        name: 'Wen Shuyi',
        volunteerProfile: {
          skills: ['storytelling'],
          status: 'ACTIVE',
          teams: [{ name: "Mom's Team" }],
          approvedHours: 0,
          points: 0,
        },
      },
    });
    const facilityManager = await gw.token(['facility_manager']);
    const other = await gw.query(query, { id: resident.id }, facilityManager);
    expect(
      (other.data as { resident: { volunteerProfile: unknown } }).resident.volunteerProfile,
    ).toBeNull();
  });
});
