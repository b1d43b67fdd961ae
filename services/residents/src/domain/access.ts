import { AppError, forbidden, hasRole, unauthenticated, type Caller } from '@liyuan/kit';

/**
 * Who may see and manage whom in the registry. Staff and admins see everyone; a grid member sees
 * and manages the residents of their grids; a resident sees only themself; the other department
 * roles read residents (with personal data masked) to serve them.
 */

const READ_ALL = [
  'admin',
  'staff',
  'volunteer_lead',
  'party_secretary',
  'mediator',
  'facility_manager',
] as const;

/** Grids whose residents the caller may list: undefined = all, [] = none beyond their own record. */
export function visibleGrids(caller: Caller): string[] | undefined {
  if (caller.userId === null) throw unauthenticated();
  if (hasRole(caller, ...READ_ALL)) return undefined;
  if (hasRole(caller, 'grid_member')) return caller.gridIds;
  return [];
}

/** Whether the caller may read the resident's record at all. */
export function canRead(caller: Caller, resident: { id: string; gridId: string }): boolean {
  if (caller.userId === null) return false;
  if (hasRole(caller, ...READ_ALL)) return true;
  if (hasRole(caller, 'grid_member') && caller.gridIds.includes(resident.gridId)) return true;
  return caller.residentId === resident.id;
}

/** Throws unless the caller may change records in `gridId`. */
export function requireManage(caller: Caller, gridId: string): void {
  if (caller.userId === null) throw unauthenticated();
  if (hasRole(caller, 'admin', 'staff')) return;
  if (hasRole(caller, 'grid_member') && caller.gridIds.includes(gridId)) return;
  throw forbidden('only staff or a grid member of this grid may change it');
}

/** Throws unless the caller is staff or an admin. */
export function requireStaff(caller: Caller): void {
  if (caller.userId === null) throw unauthenticated();
  if (!hasRole(caller, 'admin', 'staff')) throw forbidden('requires the staff or admin role');
}

/**
 * Whether the caller may see `field` of the resident unmasked: ID-card numbers only staff and
 * admins; phones also the resident themself and the grid member of the resident's grid.
 */
export function canSeeUnmasked(
  caller: Caller,
  resident: { id: string; gridId: string },
  field: 'idCardNumber' | 'phone',
): boolean {
  if (caller.userId === null) return false;
  if (hasRole(caller, 'admin', 'staff')) return true;
  if (field === 'idCardNumber') return false;
  if (caller.residentId === resident.id) return true;
  return hasRole(caller, 'grid_member') && caller.gridIds.includes(resident.gridId);
}

/**
 * Whether the caller may see the birth date: it is digits 7-14 of the ID-card number, so whoever
 * sees the masked number must not see it (staff, admins and the resident themself only).
 */
export const canSeeBirthDate = (caller: Caller, resident: { id: string }): boolean =>
  caller.userId !== null &&
  (hasRole(caller, 'admin', 'staff') || caller.residentId === resident.id);

export { AppError };

/** Visits are for staff and the household's grid members; others see none. */
export const mayReadVisits = (caller: Caller, gridId: string): boolean =>
  hasRole(caller, 'admin', 'staff') ||
  (hasRole(caller, 'grid_member') && caller.gridIds.includes(gridId));
