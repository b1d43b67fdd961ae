import { conflict } from '@liyuan/kit';
import type { ServiceRequestStatus, ServiceRequestType } from './model';

/**
 * The life of a one-stop service request: filed → in progress → resolved, or rejected, or referred
 * to the service that owns it (mediation for disputes, facilities for faults). The ends are final.
 */
const NEXT: Record<ServiceRequestStatus, readonly ServiceRequestStatus[]> = {
  filed: ['in_progress', 'rejected', 'referred'],
  in_progress: ['resolved', 'rejected', 'referred'],
  resolved: [],
  referred: [],
  rejected: [],
};

/** Which service a request of `type` is referred to, if any. */
export const OWNING_SERVICE: Partial<Record<ServiceRequestType, 'mediation' | 'facilities'>> = {
  dispute: 'mediation',
  facility_fault: 'facilities',
};

/** True when a request may move from `from` to `to`. */
export const canMove = (from: ServiceRequestStatus, to: ServiceRequestStatus): boolean =>
  NEXT[from].includes(to);

/** Throws CONFLICT naming both states when the move is not allowed; nothing is changed. */
export function assertMove(
  from: ServiceRequestStatus,
  to: ServiceRequestStatus,
  field = 'id',
): void {
  if (!canMove(from, to)) {
    throw conflict(
      `a ${from.replace('_', ' ')} request cannot become ${to.replace('_', ' ')}`,
      field,
    );
  }
}

/** True for the final states. */
export const isFinal = (status: ServiceRequestStatus): boolean => NEXT[status].length === 0;
