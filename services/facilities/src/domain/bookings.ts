import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  BookingCancelled,
  BookingConfirmed,
  BookingRejected,
  FacilityAdded,
  FacilityStatusChanged,
} from '@liyuan/schemas';
import {
  addDays,
  assertWithin,
  badInput,
  checkResidentReference,
  conflict,
  forbidden,
  hasRole,
  isoInstant,
  line,
  idArg,
  notFound,
  parseInput,
  readPage,
  unauthenticated,
  uuid,
  type Caller,
} from '@liyuan/kit';
import { isManager, requireManager } from './access';
import { KEYSETS } from './keysets';
import {
  FACILITY_KINDS,
  FACILITY_STATUSES,
  type Booking,
  type BookingPage,
  type Facility,
  type RejectionReason,
} from './model';
import type { FacilitiesStore, RunInTransaction, Tx } from './ports';
import { availability, bookingRejection, parseClock } from './schedule';

const instant = isoInstant;
const clock = z.string().refine((v) => parseClock(v) !== undefined, 'must be a time HH:MM');
const addFacilityInput = z
  .object({
    name: line(100),
    kind: z.enum(FACILITY_KINDS),
    capacity: z.number().int().min(1).max(10_000),
    opensAt: clock,
    closesAt: clock,
    location: line(200),
  })
  .refine((f) => (parseClock(f.closesAt) ?? 0) > (parseClock(f.opensAt) ?? 0), {
    message: 'must be after opensAt',
    path: ['closesAt'],
  });
const bookInput = z.object({
  facilityId: uuid,
  startsAt: instant,
  endsAt: instant,
  attendees: z.number().int().min(1, 'must be at least 1'),
  purpose: line(200),
  residentId: uuid.nullish(),
  teamId: uuid.nullish(),
});
const setFacilityStatusInput = z.object({ id: uuid, status: z.enum(FACILITY_STATUSES) });
/** The input of the mutations that act on one booking: its id. */
const bookingInput = z.object({ id: uuid });

/** How far ahead a booking may start: a year. */
export const BOOKING_HORIZON_DAYS = 365;

/** How a rejection reads to a person, and which input field it concerns. */
const REJECTION: Record<RejectionReason, { field: string; message: string }> = {
  invalid_period: {
    field: 'input.endsAt',
    message: 'must be after the start and at most 12 hours later',
  },
  facility_closed: { field: 'input.facilityId', message: 'the facility is not open for booking' },
  in_the_past: { field: 'input.startsAt', message: 'must not be in the past' },
  outside_opening_hours: {
    field: 'input.startsAt',
    message: 'the period is outside the opening hours',
  },
  over_capacity: { field: 'input.attendees', message: 'more attendees than the facility holds' },
  slot_taken: {
    field: 'input.startsAt',
    message: 'the facility is already booked for part of this period',
  },
  unknown_facility: { field: 'input.facilityId', message: 'no such facility' },
};

/** Postgres exclusion violation: the database refused an overlapping held booking. */
const isOverlap = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && (err as { code?: string }).code === '23P01';

/** Facilities, their bookings and availability, and the venue half of the activity saga. */
export class Bookings {
  constructor(
    private readonly read: FacilitiesStore,
    private readonly transaction: RunInTransaction,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Every facility, optionally of one kind (public). */
  listFacilities(kind?: string): Promise<Facility[]> {
    if (kind !== undefined) parseInput(z.enum(FACILITY_KINDS), kind, 'kind');
    return this.read.allFacilities(kind);
  }

  /** Adds a facility and announces it (FacilityAdded), so the services that name facilities know it. */
  async addFacility(caller: Caller, raw: unknown): Promise<Facility> {
    requireManager(caller);
    const input = parseInput(addFacilityInput, raw, 'input');
    const facility: Facility = {
      id: randomUUID(),
      name: input.name,
      kind: input.kind,
      capacity: input.capacity,
      opensAt: parseClock(input.opensAt) ?? 0,
      closesAt: parseClock(input.closesAt) ?? 0,
      status: 'open',
      location: input.location,
    };
    await this.transaction(async ({ store, publish }) => {
      await store.insertFacility(facility);
      await publish(FacilityAdded, facility.id, { facilityId: facility.id, kind: facility.kind });
    });
    return facility;
  }

  /**
   * Opens, closes or puts a facility under maintenance (managers); a change of status is announced
   * (FacilityStatusChanged) in the same transaction, setting the status it has already is not.
   */
  async setFacilityStatus(caller: Caller, raw: unknown): Promise<Facility> {
    requireManager(caller);
    const { id, status } = parseInput(setFacilityStatusInput, raw, 'input');
    return this.transaction(async ({ store, publish }) => {
      const facility = await store.lockFacility(id);
      if (!facility) throw notFound('facility', id, 'input.id');
      if (facility.status === status) return facility;
      await store.setFacilityStatus(id, status);
      await publish(FacilityStatusChanged, id, {
        facilityId: id,
        from: facility.status,
        to: status,
      });
      return { ...facility, status };
    });
  }

  /**
   * Books a facility for a resident (themself, or by a manager on their behalf) or a volunteer
   * team (by its lead, or by a manager). The resident or team must be one the service heard of
   * from the registry's or the volunteers' events (BAD_USER_INPUT naming the field otherwise). A
   * booking starts at most {@link BOOKING_HORIZON_DAYS} days ahead. Confirmed at once when the
   * database accepts it; an overlap is a CONFLICT and writes nothing.
   */
  async book(caller: Caller, raw: unknown): Promise<Booking> {
    if (caller.userId === null) throw unauthenticated();
    const input = parseInput(bookInput, raw, 'input');
    let bookerType: Booking['bookerType'];
    let residentId: string | null = null;
    let organiserId: string | null = null;
    if (input.teamId) {
      if (!isManager(caller) && !hasRole(caller, 'volunteer_lead')) {
        throw forbidden('teams are booked for by their lead or by facility staff');
      }
      bookerType = 'team';
      organiserId = input.teamId;
    } else if (isManager(caller)) {
      if (!input.residentId)
        throw badInput(
          'input.residentId',
          'input.residentId: required when booking for a resident',
        );
      bookerType = 'resident';
      residentId = input.residentId;
    } else if (hasRole(caller, 'resident') && caller.residentId) {
      if (input.residentId && input.residentId !== caller.residentId)
        throw forbidden('residents book for themselves');
      bookerType = 'resident';
      residentId = caller.residentId;
    } else {
      throw forbidden('bookings are made by residents for themselves or by facility staff');
    }
    const startsAt = new Date(input.startsAt);
    const endsAt = new Date(input.endsAt);
    const now = this.clock();
    assertWithin(
      'input.startsAt',
      startsAt,
      undefined,
      addDays(now, BOOKING_HORIZON_DAYS),
      `must be at most ${BOOKING_HORIZON_DAYS} days ahead`,
    );
    return this.transaction(async (tx) => {
      if (organiserId) {
        const team = await tx.store.knownTeam(organiserId);
        if (!team) throw badInput('input.teamId', 'input.teamId: no such team');
        if (!isManager(caller) && team.leadUserId !== caller.userId)
          throw forbidden('a team is booked for by its own lead or by facility staff');
      }
      if (residentId) {
        const known = await tx.store.knownResidents([residentId]);
        checkResidentReference(known, residentId, 'input.residentId', {
          callerResidentId: caller.residentId,
          activeOnly: true,
        });
      }
      const [facility] = await tx.store.facilitiesByIds([input.facilityId]);
      if (!facility) throw badInput('input.facilityId', 'input.facilityId: no such facility');
      const reason = bookingRejection(facility, startsAt, endsAt, input.attendees, now);
      if (reason) {
        const r = REJECTION[reason];
        throw reason === 'facility_closed'
          ? conflict(r.message, r.field)
          : badInput(r.field, `${r.field}: ${r.message}`);
      }
      const booking: Booking = {
        id: randomUUID(),
        facilityId: facility.id,
        bookerType,
        residentId,
        organiserId,
        startsAt,
        endsAt,
        attendees: input.attendees,
        purpose: input.purpose,
        status: 'confirmed',
        reason: null,
        createdBy: caller.userId ?? '',
      };
      try {
        await tx.store.insertBooking(booking);
      } catch (err) {
        if (isOverlap(err))
          throw conflict(REJECTION.slot_taken.message, REJECTION.slot_taken.field);
        throw err;
      }
      await publishConfirmed(tx, booking);
      return booking;
    });
  }

  /** Cancels a future booking (its resident, or a manager). */
  async cancel(caller: Caller, raw: unknown): Promise<Booking> {
    if (caller.userId === null) throw unauthenticated();
    const { id } = parseInput(bookingInput, raw, 'input');
    return this.transaction(async (tx) => {
      const booking = await this.locked(tx, id);
      const own = booking.residentId !== null && booking.residentId === caller.residentId;
      if (!own && !isManager(caller))
        throw forbidden('only the booker or facility staff cancel a booking');
      if (booking.status !== 'confirmed')
        throw conflict(`a ${booking.status} booking cannot be cancelled`, 'input.id');
      if (booking.startsAt.getTime() <= this.clock().getTime()) {
        throw conflict('a booking that has started cannot be cancelled', 'input.id');
      }
      const reason = own ? 'by_booker' : 'by_staff';
      await tx.store.setBookingStatus(id, 'cancelled', reason);
      await publishCancelled(tx, booking, reason);
      return { ...booking, status: 'cancelled', reason };
    });
  }

  /** Checks a confirmed booking in, from half an hour before its start until its end (managers). */
  async checkIn(caller: Caller, raw: unknown): Promise<Booking> {
    requireManager(caller);
    const { id } = parseInput(bookingInput, raw, 'input');
    return this.transaction(async (tx) => {
      const booking = await this.locked(tx, id);
      if (booking.status !== 'confirmed')
        throw conflict(`a ${booking.status} booking cannot be checked in`, 'input.id');
      const now = this.clock().getTime();
      if (now < booking.startsAt.getTime() - 30 * 60_000 || now > booking.endsAt.getTime()) {
        throw conflict(
          'check-in opens half an hour before the start and closes at the end',
          'input.id',
        );
      }
      await tx.store.setBookingStatus(id, 'checked_in', null);
      return { ...booking, status: 'checked_in' };
    });
  }

  /** Marks a confirmed booking whose start has passed as a no-show (managers); its slot is freed. */
  async markNoShow(caller: Caller, raw: unknown): Promise<Booking> {
    requireManager(caller);
    const { id } = parseInput(bookingInput, raw, 'input');
    return this.transaction(async (tx) => {
      const booking = await this.locked(tx, id);
      if (booking.status !== 'confirmed')
        throw conflict(`a ${booking.status} booking cannot be a no-show`, 'input.id');
      if (booking.startsAt.getTime() > this.clock().getTime())
        throw conflict('the booking has not started yet', 'input.id');
      await tx.store.setBookingStatus(id, 'no_show', null);
      return { ...booking, status: 'no_show' };
    });
  }

  /** A booking the caller may see: its resident, or a manager. */
  async get(caller: Caller, id: string): Promise<Booking | null> {
    if (caller.userId === null) throw unauthenticated();
    if (!uuid.safeParse(id).success) throw badInput('id', 'id: must be a valid id');
    const [booking] = await this.read.bookingsByIds([id]);
    if (!booking) return null;
    if (!isManager(caller) && booking.residentId !== caller.residentId)
      throw forbidden('not your booking');
    return booking;
  }

  /**
   * A page of the bookings of a facility overlapping a period of at most 31 days, by start
   * (managers; first: 1 to 100, default 20).
   */
  async ofFacility(
    caller: Caller,
    args: {
      facilityId: string;
      from: string;
      to: string;
      first?: number | null;
      after?: string | null;
    },
  ): Promise<BookingPage> {
    requireManager(caller);
    const facilityId = idArg(args.facilityId, 'facilityId');
    const { from, to } = parsePeriod(args.from, args.to);
    return readPage(args, KEYSETS.booking, {
      read: (range) => this.read.bookingsOverlapping(facilityId, from, to, range),
      count: () => this.read.countBookingsOverlapping(facilityId, from, to),
    });
  }

  /** Free and booked time of a facility inside opening hours (public). */
  async availabilityOf(facility: Facility, from: string, to: string) {
    const period = parsePeriod(from, to);
    const held = await this.read.heldBookings(facility.id, period.from, period.to);
    return availability(
      facility,
      period.from,
      period.to,
      held.map((b) => ({ start: b.startsAt, end: b.endsAt })),
    );
  }

  /**
   * The venue half of the activity saga: books the facility for a shared-space activity and answers
   * BookingConfirmed or BookingRejected with the activity id. An activity gets one answer, however
   * often its request arrives.
   */
  static async requestVenue(
    tx: Tx,
    request: {
      activityId: string;
      facilityId: string;
      startsAt: string;
      endsAt: string;
      expectedAttendees: number;
    },
    now: Date,
  ): Promise<'confirmed' | 'rejected' | 'already_answered'> {
    if (await tx.store.bookingOfActivity(request.activityId)) return 'already_answered';
    const [facility] = await tx.store.facilitiesByIds([request.facilityId]);
    const booking: Booking = {
      id: randomUUID(),
      facilityId: request.facilityId,
      bookerType: 'activity',
      residentId: null,
      organiserId: request.activityId,
      startsAt: new Date(request.startsAt),
      endsAt: new Date(request.endsAt),
      attendees: request.expectedAttendees,
      purpose: 'Shared-space activity',
      status: 'confirmed',
      reason: null,
      createdBy: 'service:shared-spaces',
    };
    const reject = async (reason: RejectionReason) => {
      if (facility && booking.endsAt > booking.startsAt) {
        await tx.store.insertBooking({ ...booking, status: 'rejected', reason });
      }
      await tx.publish(BookingRejected, booking.id, {
        bookingId: booking.id,
        facilityId: request.facilityId,
        activityId: request.activityId,
        reason,
      });
      return 'rejected' as const;
    };
    if (!facility) return reject('unknown_facility');
    const reason = bookingRejection(
      facility,
      booking.startsAt,
      booking.endsAt,
      booking.attendees,
      now,
    );
    if (reason) return reject(reason);
    try {
      await tx.savepoint(() => tx.store.insertBooking(booking));
    } catch (err) {
      if (isOverlap(err)) return reject('slot_taken');
      throw err;
    }
    await publishConfirmed(tx, booking);
    return 'confirmed';
  }

  /**
   * A shared-space activity was called off: the booking made for it, confirmed and not started, is
   * cancelled by its booker (BookingCancelled), freeing the slot; any other booking stays as it is.
   * Returns whether it cancelled one.
   */
  static async activityCancelled(tx: Tx, activityId: string, now: Date): Promise<boolean> {
    const found = await tx.store.bookingOfActivity(activityId);
    const booking = found && (await tx.store.lockBooking(found.id));
    if (!booking || booking.status !== 'confirmed' || booking.startsAt <= now) return false;
    await tx.store.setBookingStatus(booking.id, 'cancelled', 'by_booker');
    await publishCancelled(tx, booking, 'by_booker');
    return true;
  }

  /** Volunteers created a team: who leads it, so only that lead books for it. */
  static teamCreated(tx: Tx, teamId: string, leadUserId: string): Promise<void> {
    return tx.store.recordTeam(teamId, leadUserId);
  }

  /** A resident moved out: their future bookings are cancelled. */
  static async cancelForMovedOut(tx: Tx, residentId: string, now: Date): Promise<number> {
    const cancelled = await tx.store.cancelFutureBookingsOf(residentId, now, 'resident_moved_out');
    for (const b of cancelled) await publishCancelled(tx, b, 'resident_moved_out');
    return cancelled.length;
  }

  private async locked(tx: Tx, id: string): Promise<Booking> {
    const booking = await tx.store.lockBooking(id);
    if (!booking) throw notFound('booking', id, 'input.id');
    return booking;
  }
}

function parsePeriod(from: string, to: string): { from: Date; to: Date } {
  const f = parseInput(instant, from, 'from');
  const t = parseInput(instant, to, 'to');
  const period = { from: new Date(f), to: new Date(t) };
  if (period.to <= period.from) throw badInput('to', 'to: must be after from');
  if (period.to.getTime() - period.from.getTime() > 31 * 86_400_000)
    throw badInput('to', 'to: at most 31 days after from');
  return period;
}

async function publishConfirmed(tx: Tx, b: Booking): Promise<void> {
  await tx.publish(BookingConfirmed, b.id, {
    bookingId: b.id,
    facilityId: b.facilityId,
    bookerType: b.bookerType,
    residentId: b.residentId,
    organiserId: b.bookerType === 'team' ? b.organiserId : null,
    activityId: b.bookerType === 'activity' ? b.organiserId : null,
    startsAt: b.startsAt.toISOString(),
    endsAt: b.endsAt.toISOString(),
  });
}

async function publishCancelled(
  tx: Tx,
  b: Booking,
  reason: 'by_booker' | 'by_staff' | 'resident_moved_out',
): Promise<void> {
  await tx.publish(BookingCancelled, b.id, {
    bookingId: b.id,
    facilityId: b.facilityId,
    residentId: b.residentId,
    activityId: b.bookerType === 'activity' ? b.organiserId : null,
    reason,
  });
}
