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
import { waitFor } from '../support/wait';

/**
 * A dispute filed at the one-stop hall becomes a mediation case, the hall's request is marked
 * referred, and the agreement the mediator reaches schedules the grid's follow-up visits: three
 * hops over Kafka between the residents and mediation subgraphs, observed through the gateway.
 */
describe('a dispute from the service hall to a follow-up visit', () => {
  let residents: TestService;
  let mediation: TestService;
  let gw: TestGateway;

  beforeAll(async () => {
    [residents, mediation] = await Promise.all([
      startTestService('residents'),
      startTestService('mediation'),
    ]);
    gw = await startTestGateway({ residents: residents.service, mediation: mediation.service });
    await Promise.all([residents.service.eventsReady, mediation.service.eventsReady]);
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all([residents.stop(), mediation.stop()]);
  });

  it('when a resident files a dispute, then a case opens, the request is referred, and the agreement schedules follow-ups', async () => {
    const staff = await gw.token(['staff']);
    const asStaff = (q: string, v?: Record<string, unknown>) => gw.query(q, v, staff);
    const { householdId, gridId } = await seedHousehold(asStaff);
    const applicant = dataOf<{ id: string }>(
      await asStaff(REGISTER_RESIDENT, { input: residentInput(householdId) }),
      'registerResident',
    );
    const self = await gw.token(['resident'], {
      residentId: applicant.id,
      sub: `resident-${applicant.id}`,
    });
    const request = dataOf<{ id: string }>(
      await gw.query(
        `mutation { fileServiceRequest(input: { type: DISPUTE, description: "Water leaking from the flat above" }) { id } }`,
        {},
        self,
      ),
      'fileServiceRequest',
    );

    const requestStatus = async () =>
      (
        (
          await asStaff(`query($id: ID!) { serviceRequest(id: $id) { status referredTo } }`, {
            id: request.id,
          })
        ).data as {
          serviceRequest: { status: string; referredTo: string | null };
        }
      ).serviceRequest;
    await waitFor('the request referred to mediation', async () =>
      (await requestStatus()).status === 'REFERRED' ? true : undefined,
    );
    expect(await requestStatus()).toEqual({ status: 'REFERRED', referredTo: 'mediation' });

    const mine = await gw.query(
      `query($id: ID!) { resident(id: $id) { mediationCases { edges { node { id source serviceRequestId status } } } } }`,
      { id: applicant.id },
      self,
    );
    const cases = (
      mine.data as {
        resident: {
          mediationCases: {
            edges: { node: { id: string; source: string; serviceRequestId: string } }[];
          };
        };
      }
    ).resident.mediationCases.edges.map((e) => e.node);
    expect(cases).toEqual([
      {
        id: expect.any(String),
        source: 'SERVICE_REQUEST',
        serviceRequestId: request.id,
        status: 'FILED',
      },
    ]);
    const caseId = cases[0]!.id;

    const mediator = dataOf<{ id: string }>(
      await asStaff(
        `mutation { addMediator(input: { name: "Tian Hui", userId: "mediator-e2e" }) { id } }`,
      ),
      'addMediator',
    );
    for (const step of [
      `mutation($c: ID!, $m: ID!) { assignMediator(input: { caseId: $c, mediatorId: $m }) { id } }`,
      `mutation($c: ID!) { acceptCase(input: { id: $c }) { id } }`,
      `mutation($c: ID!) { startMediation(input: { id: $c }) { id } }`,
      `mutation($c: ID!) { reachAgreement(input: { caseId: $c, agreement: { form: WRITTEN, terms: "Fix the pipe, share the cost", signedOn: "2026-11-25" } }) { id } }`,
    ]) {
      const res = await asStaff(step, { c: caseId, m: mediator.id });
      expect(res.errors).toBeUndefined();
    }
    // The agreement names its parties; the case from the hall has the applicant as its party.
    const member = await gw.token(['grid_member'], { gridIds: [gridId] });
    const scheduled = async () =>
      (
        (
          await gw.query(
            `query($g: ID!) { scheduledVisits(gridId: $g, first: 100) {
              edges { node { reason referenceId household { id } dueOn } } } }`,
            { g: gridId },
            member,
          )
        ).data as {
          scheduledVisits: {
            edges: { node: { reason: string; household: { id: string }; dueOn: string } }[];
          };
        }
      ).scheduledVisits.edges.map((e) => e.node);
    await waitFor('the follow-up visit scheduled', async () =>
      (await scheduled()).length ? true : undefined,
    );
    expect(await scheduled()).toEqual([
      {
        reason: 'MEDIATION_FOLLOW_UP',
        referenceId: expect.any(String),
        household: { id: householdId },
        dueOn: '2026-12-02',
      },
    ]);
  });
});
