import { ALL_MOVES, assertMove, canMove } from './case-status';

const ALLOWED = new Set([
  'filed>accepted',
  'filed>declined',
  'accepted>in_mediation',
  'accepted>withdrawn',
  'accepted>failed',
  'in_mediation>agreement_reached',
  'in_mediation>failed',
  'in_mediation>withdrawn',
  'declined>closed',
  'agreement_reached>closed',
  'failed>closed',
  'withdrawn>closed',
]);

describe('case state machine', () => {
  it.each(ALL_MOVES)(
    'when a %s case is moved to %s, then it is allowed only on the documented path',
    (from, to) => {
      const allowed = ALLOWED.has(`${from}>${to}`);
      expect(canMove(from, to)).toBe(allowed);
      if (allowed) expect(() => assertMove(from, to)).not.toThrow();
      else
        expect(() => assertMove(from, to)).toThrow(
          expect.objectContaining({ code: 'CONFLICT', field: 'input.id' }),
        );
    },
  );
});
