import { randomBytes } from 'node:crypto';
import { InMemorySpanExporter, type ReadableSpan } from '@liyuan/kit';
import {
  REGISTER_RESIDENT,
  dataOf,
  residentInput,
  seedHousehold,
} from '../support/registry-fixtures';
import {
  postGraphQL,
  startTestGateway,
  startTestService,
  type TestGateway,
  type TestService,
} from '../support/stack';
import { waitFor } from '../support/wait';

/**
 * OpenTelemetry from the gateway to a subgraph, its database and Kafka, and on into the consumer
 * in another service: one trace id spans a mutation and the handling of its event.
 */
describe('one trace from a mutation to the consumer of its event', () => {
  const exporter = new InMemorySpanExporter();
  let residents: TestService;
  let mediation: TestService;
  let gw: TestGateway;

  beforeAll(async () => {
    [residents, mediation] = await Promise.all([
      startTestService('residents', { start: { spanExporter: exporter } }),
      startTestService('mediation', { start: { spanExporter: exporter } }),
    ]);
    gw = await startTestGateway(
      { residents: residents.service, mediation: mediation.service },
      { spanExporter: exporter },
    );
    await Promise.all([residents.service.eventsReady, mediation.service.eventsReady]);
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all([residents.stop(), mediation.stop()]);
  });

  it('when a dispute is filed through the gateway, then the gateway, residents, its database, the publication and mediation handling the event share one trace', async () => {
    const staff = await gw.token(['staff']);
    const { householdId } = await seedHousehold((q, v) => gw.query(q, v, staff));
    const resident = dataOf<{ id: string }>(
      await gw.query(REGISTER_RESIDENT, { input: residentInput(householdId) }, staff),
      'registerResident',
    );
    const self = await gw.token(['resident'], {
      residentId: resident.id,
      sub: `resident-${resident.id}`,
    });
    const traceId = randomBytes(16).toString('hex');
    const res = await postGraphQL(
      gw.url,
      `mutation { fileServiceRequest(input: { type: DISPUTE, description: "A tree blocks the window" }) { id } }`,
      {},
      {
        authorization: `Bearer ${self}`,
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
      },
    );
    expect(res.errors).toBeUndefined();

    const ofTrace = () =>
      exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const service = (s: ReadableSpan) => String(s.resource.attributes['service.name']);
    const find = (name: string, svc: string) =>
      ofTrace().find((s) => s.name === name && service(s) === svc);
    await waitFor('mediation to handle the event in the same trace', () =>
      find('process ServiceRequestFiled', 'mediation') ? true : undefined,
    );
    const gatewaySpan = find('graphql gateway', 'gateway')!;
    const call = find('subgraph residents', 'gateway')!;
    const operation = find('graphql residents', 'residents')!;
    const publish = ofTrace().find(
      (s) => s.name.startsWith('publish ') && service(s) === 'residents',
    )!;
    const consume = find('process ServiceRequestFiled', 'mediation')!;
    expect({
      gatewaySpan: !!gatewaySpan,
      call: !!call,
      operation: !!operation,
      publish: !!publish,
    }).toEqual({
      gatewaySpan: true,
      call: true,
      operation: true,
      publish: true,
    });
    const parentOf = (s: ReadableSpan) => s.parentSpanId;
    // gateway → subgraph call → residents operation → its SQL and the publication → mediation.
    expect(parentOf(call)).toBe(gatewaySpan.spanContext().spanId);
    expect(parentOf(operation)).toBe(call.spanContext().spanId);
    expect(parentOf(publish)).toBe(operation.spanContext().spanId);
    expect(parentOf(consume)).toBe(operation.spanContext().spanId);
    const residentsSql = ofTrace().filter(
      (s) =>
        s.name === 'db.query' &&
        service(s) === 'residents' &&
        parentOf(s) === operation.spanContext().spanId,
    );
    expect(residentsSql.map((s) => String(s.attributes['db.statement']))).toEqual(
      expect.arrayContaining([expect.stringMatching(/INSERT INTO .*service_requests/i)]),
    );
    const mediationSql = ofTrace().filter(
      (s) =>
        s.name === 'db.query' &&
        service(s) === 'mediation' &&
        parentOf(s) === consume.spanContext().spanId,
    );
    expect(mediationSql.length).toBeGreaterThan(0);
    // No values in statements: parameters only.
    expect(JSON.stringify(ofTrace().map((s) => s.attributes))).not.toContain(
      'A tree blocks the window',
    );
  });
});
