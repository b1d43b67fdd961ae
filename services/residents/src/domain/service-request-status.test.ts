import { assertMove, canMove, isFinal } from './service-request-status';

describe('service request status', () => {
  it.each([
    ['filed', 'in_progress', true],
    ['filed', 'referred', true],
    ['filed', 'resolved', false],
    ['in_progress', 'resolved', true],
    ['in_progress', 'filed', false],
    ['resolved', 'in_progress', false],
    ['referred', 'resolved', false],
    ['rejected', 'in_progress', false],
  ] as const)('when moving %s to %s, then allowed is %s', (from, to, allowed) => {
    expect(canMove(from, to)).toBe(allowed);
  });

  it('when a move is refused, then the error is a CONFLICT naming both states', () => {
    expect(() => assertMove('resolved', 'in_progress')).toThrow(
      expect.objectContaining({
        code: 'CONFLICT',
        message: 'a resolved request cannot become in progress',
      }),
    );
  });

  it('when a request is resolved, referred or rejected, then it is final', () => {
    expect(['resolved', 'referred', 'rejected'].every((s) => isFinal(s as 'resolved'))).toBe(true);
    expect(isFinal('filed')).toBe(false);
  });
});
