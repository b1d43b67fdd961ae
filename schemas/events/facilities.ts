import { z } from 'zod';
import { defineEvent } from './envelope';

/** Topics the facilities service publishes to, one per aggregate. */
export const FACILITIES_TOPICS = {
  booking: 'facilities.booking.v1',
  equipment: 'facilities.equipment.v1',
  repairOrder: 'facilities.repair-order.v1',
  facility: 'facilities.facility.v1',
} as const;

const id = z.uuid();
const instant = z.iso.datetime({ offset: true });

/** A facility was added; shared-spaces and volunteers check the facilities they are named against it. */
export const FacilityAdded = defineEvent('FacilityAdded', FACILITIES_TOPICS.facility, {
  facilityId: id,
  kind: z.string().min(1),
});

/** Whether a facility can be booked. */
export const FACILITY_STATUSES = ['open', 'closed', 'maintenance'] as const;

/**
 * A facility was opened, closed or put under maintenance: what a facility's live view follows.
 * Nothing consumes it between services.
 */
export const FacilityStatusChanged = defineEvent(
  'FacilityStatusChanged',
  FACILITIES_TOPICS.facility,
  {
    facilityId: id,
    from: z.enum(FACILITY_STATUSES),
    to: z.enum(FACILITY_STATUSES),
  },
);

/** Who a booking is for: a resident, or an organiser (a shared-space activity, a volunteer team). */
export const BOOKER_TYPES = ['resident', 'activity', 'team'] as const;

/** A booking holds its slot. `activityId` is set when it answers a shared-space activity's request. */
export const BookingConfirmed = defineEvent('BookingConfirmed', FACILITIES_TOPICS.booking, {
  bookingId: id,
  facilityId: id,
  bookerType: z.enum(BOOKER_TYPES),
  residentId: id.nullable(),
  organiserId: id.nullable(),
  activityId: id.nullable(),
  startsAt: instant,
  endsAt: instant,
});

/** A venue request could not be booked; `reason` is a code (slot_taken, outside_opening_hours, ...). */
export const BookingRejected = defineEvent('BookingRejected', FACILITIES_TOPICS.booking, {
  bookingId: id,
  facilityId: id,
  activityId: id.nullable(),
  reason: z.enum([
    'slot_taken',
    'outside_opening_hours',
    'over_capacity',
    'in_the_past',
    'facility_closed',
    'unknown_facility',
    'invalid_period',
  ]),
});

export const BookingCancelled = defineEvent('BookingCancelled', FACILITIES_TOPICS.booking, {
  bookingId: id,
  facilityId: id,
  residentId: id.nullable(),
  activityId: id.nullable(),
  reason: z.enum(['by_booker', 'by_staff', 'resident_moved_out']),
});

/** Equipment failed an inspection or was reported faulty: out of service, a repair order is open. */
export const EquipmentFaultReported = defineEvent(
  'EquipmentFaultReported',
  FACILITIES_TOPICS.equipment,
  {
    equipmentId: id,
    facilityId: id,
    repairOrderId: id,
    source: z.enum(['inspection', 'fault_report']),
  },
);

/** The repair was completed and the equipment is back in service. */
export const EquipmentRestored = defineEvent('EquipmentRestored', FACILITIES_TOPICS.equipment, {
  equipmentId: id,
  facilityId: id,
  repairOrderId: id,
});

/** A repair order was opened; `serviceRequestId` is set when a resident's fault report caused it. */
export const RepairOrderOpened = defineEvent('RepairOrderOpened', FACILITIES_TOPICS.repairOrder, {
  repairOrderId: id,
  equipmentId: id.nullable(),
  facilityId: id.nullable(),
  serviceRequestId: id.nullable(),
});

export const facilitiesEvents = [
  FacilityAdded,
  FacilityStatusChanged,
  BookingConfirmed,
  BookingRejected,
  BookingCancelled,
  EquipmentFaultReported,
  EquipmentRestored,
  RepairOrderOpened,
] as const;
