/** The facilities domain as plain values: no ORM, no GraphQL. */
import type { Page } from '@liyuan/kit';
import { FACILITY_STATUSES } from '@liyuan/schemas';

export const FACILITY_KINDS = [
  'service_hall',
  'civilization_practice_station',
  'conference_room',
  'activity_room',
  'library',
  'chess_and_card_room',
  'dance_room',
  'central_square',
  'fitness_area',
] as const;
export type FacilityKind = (typeof FACILITY_KINDS)[number];
export { FACILITY_STATUSES };
export type FacilityStatus = (typeof FACILITY_STATUSES)[number];

export interface Facility {
  id: string;
  name: string;
  kind: FacilityKind;
  capacity: number;
  /** Minutes after local midnight (Beijing time). */
  opensAt: number;
  closesAt: number;
  status: FacilityStatus;
  location: string;
}

export const BOOKER_TYPES = ['resident', 'activity', 'team'] as const;
export type BookerType = (typeof BOOKER_TYPES)[number];
export const BOOKING_STATUSES = [
  'requested',
  'confirmed',
  'rejected',
  'checked_in',
  'no_show',
  'cancelled',
] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

export interface Booking {
  id: string;
  facilityId: string;
  bookerType: BookerType;
  residentId: string | null;
  organiserId: string | null;
  startsAt: Date;
  endsAt: Date;
  attendees: number;
  purpose: string;
  status: BookingStatus;
  reason: string | null;
  createdBy: string;
}

/** Why a booking cannot be made, as the code events and clients share. */
export type RejectionReason =
  | 'slot_taken'
  | 'outside_opening_hours'
  | 'over_capacity'
  | 'in_the_past'
  | 'facility_closed'
  | 'unknown_facility'
  | 'invalid_period';

export const EQUIPMENT_STATUSES = ['in_service', 'out_of_service'] as const;
export type EquipmentStatus = (typeof EQUIPMENT_STATUSES)[number];

export interface Equipment {
  id: string;
  facilityId: string;
  name: string;
  status: EquipmentStatus;
}

export interface Inspection {
  id: string;
  equipmentId: string;
  inspectedAt: Date;
  passed: boolean;
  notes: string;
  inspectorUserId: string;
}

export const REPAIR_ORDER_STATUSES = ['open', 'completed'] as const;
export type RepairOrderStatus = (typeof REPAIR_ORDER_STATUSES)[number];
/** What opened a repair order: a failed inspection, a fault report, a one-stop service request. */
export const REPAIR_ORDER_SOURCES = ['inspection', 'fault_report', 'service_request'] as const;
export type RepairOrderSource = (typeof REPAIR_ORDER_SOURCES)[number];

export interface RepairOrder {
  id: string;
  equipmentId: string | null;
  facilityId: string | null;
  source: RepairOrderSource;
  serviceRequestId: string | null;
  description: string;
  status: RepairOrderStatus;
  openedAt: Date;
  completedAt: Date | null;
  resolution: string | null;
}

export interface Book {
  id: string;
  title: string;
  author: string;
  isbn: string | null;
  copies: number;
}

export interface Loan {
  id: string;
  bookId: string;
  residentId: string;
  borrowedAt: Date;
  dueOn: string;
  returnedAt: Date | null;
  flaggedAt: Date | null;
}

export interface Interval {
  start: Date;
  end: Date;
}

export type RepairOrderPage = Page<RepairOrder>;
export type BookPage = Page<Book>;
export type LoanPage = Page<Loan>;
export type BookingPage = Page<Booking>;
export type InspectionPage = Page<Inspection>;
