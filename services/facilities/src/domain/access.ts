import { forbidden, hasRole, unauthenticated, type Caller } from '@liyuan/kit';

/** Facility managers, staff and admins manage facilities, equipment, bookings and the library. */
export const isManager = (caller: Caller): boolean =>
  hasRole(caller, 'admin', 'staff', 'facility_manager');

/** Throws unless the caller is a manager. */
export function requireManager(caller: Caller): void {
  if (caller.userId === null) throw unauthenticated();
  if (!isManager(caller)) throw forbidden('requires the facility_manager, staff or admin role');
}

/** Whether the caller may see a resident's bookings and loans: the resident, or a manager. */
export const mayReadResidentRecords = (caller: Caller, residentId: string): boolean =>
  caller.userId !== null && (isManager(caller) || caller.residentId === residentId);

/** Throws unless the caller may see the resident's bookings and loans (UNAUTHENTICATED, FORBIDDEN). */
export function requireResidentRecords(caller: Caller, residentId: string): void {
  if (caller.userId === null) throw unauthenticated();
  if (!mayReadResidentRecords(caller, residentId))
    throw forbidden("only the resident or facility staff read a resident's bookings and loans");
}
