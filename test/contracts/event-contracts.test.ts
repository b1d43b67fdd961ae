import { randomUUID } from 'node:crypto';
import { EVENT_CONTRACTS } from '@liyuan/schemas';
import { contractViolations } from '../support/contracts';

const envelope = (type: string, version: number, data: unknown) => ({
  id: randomUUID(),
  type,
  version,
  source: 'residents',
  aggregateId: randomUUID(),
  occurredAt: new Date().toISOString(),
  data,
  traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`,
});

/** The published JSON Schemas catch a payload that drifts from its contract. */
describe('event contracts', () => {
  const movedOut = {
    residentId: randomUUID(),
    householdId: randomUUID(),
    gridId: randomUUID(),
    movedOutOn: '2026-11-26',
  };

  it('when a payload matches its contract, then it validates', () => {
    expect(contractViolations(envelope('ResidentMovedOut', 1, movedOut))).toEqual([]);
  });

  it('when a producer adds, drops or retypes a field, then validation names the drift', () => {
    expect(
      contractViolations(envelope('ResidentMovedOut', 1, { ...movedOut, phone: '13800001111' })),
    ).toEqual([expect.stringContaining('must NOT have additional properties')]);
    const { movedOutOn: _dropped, ...withoutDate } = movedOut;
    expect(contractViolations(envelope('ResidentMovedOut', 1, withoutDate))).toEqual([
      expect.stringContaining("must have required property 'movedOutOn'"),
    ]);
    expect(
      contractViolations(envelope('ResidentMovedOut', 1, { ...movedOut, gridId: 42 })),
    ).toEqual(expect.arrayContaining([expect.stringContaining('/gridId must be string')]));
    expect(
      contractViolations(envelope('ResidentMovedOut', 1, { ...movedOut, movedOutOn: 'soon' })),
    ).toEqual(expect.arrayContaining([expect.stringContaining('/movedOutOn must match')]));
  });

  it.each([...EVENT_CONTRACTS.values()].map((c) => [c.type, c.version]))(
    'when %s v%s gets an empty payload or an unknown field, then its schema refuses both',
    (type, version) => {
      expect(contractViolations(envelope(type, version, {})).length).toBeGreaterThan(0);
      expect(
        contractViolations(envelope(type, version, { __unknown: true })).some((p) =>
          p.includes('additional properties'),
        ),
      ).toBe(true);
    },
  );

  it('when an envelope lacks its trace context or names an unknown event, then it is refused', () => {
    const { traceparent: _t, ...untraced } = envelope('ResidentMovedOut', 1, movedOut);
    expect(contractViolations(untraced as never)).toEqual([
      expect.stringContaining("must have required property 'traceparent'"),
    ]);
    expect(() => contractViolations(envelope('ResidentVanished', 1, {}))).toThrow(
      'no JSON Schema ResidentVanished.v1.json',
    );
  });
});
