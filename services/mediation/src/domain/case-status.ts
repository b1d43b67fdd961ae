import { conflict } from '@liyuan/kit';
import { CASE_STATUSES } from '@liyuan/schemas';

export { CASE_STATUSES };
export type CaseStatus = (typeof CASE_STATUSES)[number];

/**
 * The life of a mediation case: filed → accepted or declined → in mediation → agreement reached,
 * failed or withdrawn → closed. An accepted case may also be withdrawn or fail (a party refuses)
 * before mediation starts.
 */
const NEXT: Record<CaseStatus, readonly CaseStatus[]> = {
  filed: ['accepted', 'declined'],
  accepted: ['in_mediation', 'withdrawn', 'failed'],
  in_mediation: ['agreement_reached', 'failed', 'withdrawn'],
  declined: ['closed'],
  agreement_reached: ['closed'],
  failed: ['closed'],
  withdrawn: ['closed'],
  closed: [],
};

/** The statuses that are outcomes of a case. */
export const OUTCOMES = ['agreement_reached', 'failed', 'withdrawn', 'declined'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const canMove = (from: CaseStatus, to: CaseStatus): boolean => NEXT[from].includes(to);

/** Throws CONFLICT naming both statuses when the move is not allowed; nothing is changed. */
export function assertMove(from: CaseStatus, to: CaseStatus, field = 'input.id'): void {
  if (!canMove(from, to)) {
    throw conflict(
      `a case that is ${from.replace(/_/g, ' ')} cannot become ${to.replace(/_/g, ' ')}`,
      field,
    );
  }
}

/** Whether the case is still open (no outcome yet). */
export const isOpen = (status: CaseStatus): boolean =>
  ['filed', 'accepted', 'in_mediation'].includes(status);

/** Every (from, to) pair, allowed or not: the table tests walk. */
export const ALL_MOVES: [CaseStatus, CaseStatus][] = CASE_STATUSES.flatMap((from) =>
  CASE_STATUSES.map((to) => [from, to] as [CaseStatus, CaseStatus]),
);
