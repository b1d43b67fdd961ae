import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { FollowUpVisitScheduled, VisitFellDue, VisitRecorded } from '@liyuan/schemas';
import {
  assertRecentInstant,
  badInput,
  conflict,
  forbidden,
  freeText,
  hasRole,
  isoInstant,
  parseInput,
  readPage,
  unauthenticated,
  uuid,
  type Caller,
} from '@liyuan/kit';
import { requireManage } from './access';
import { shift, today } from './dates';
import { KEYSETS } from './keysets';
import type { ScheduledVisit, ScheduledVisitPage, Visit, VisitDuePage } from './model';
import type { RunInTransaction, Tx, VisitStore } from './ports';

/** Days after a visit flagged "follow-up needed", or after a mediation agreement, that the follow-up is due. */
export const FOLLOW_UP_AFTER_DAYS = 7;
/** How far back a visit may be dated when it is recorded: a year (and never in the future). */
export const VISIT_RECORDED_WITHIN_DAYS = 365;

const recordVisitInput = z.object({
  householdId: uuid,
  residentId: uuid.nullish(),
  visitedAt: isoInstant,
  notes: freeText(2000, 0),
  followUpNeeded: z.boolean().default(false),
  scheduledVisitId: uuid.nullish(),
});

/**
 * Grids whose visit lists the caller may read: undefined for staff and admins (all), the caller's
 * grids for a grid member; anyone else is refused without learning anything about the grid.
 */
export function gridsForVisits(caller: Caller, gridId: string): string[] {
  if (caller.userId === null) throw unauthenticated();
  if (!uuid.safeParse(gridId).success) throw badInput('gridId', 'gridId: must be a valid id');
  if (hasRole(caller, 'admin', 'staff')) return [gridId];
  if (hasRole(caller, 'grid_member') && caller.gridIds.includes(gridId)) return [gridId];
  throw forbidden('this grid is not one of yours');
}

/** Grid members' visits to households, the households due a visit, and scheduled follow-ups. */
export class Visits {
  constructor(
    private readonly read: VisitStore,
    private readonly transaction: RunInTransaction,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Records a visit (a grid member of the household's grid, or staff), made within the past
   * {@link VISIT_RECORDED_WITHIN_DAYS} days and not in the future.
   */
  async recordVisit(caller: Caller, raw: unknown): Promise<Visit> {
    if (caller.userId === null) throw unauthenticated();
    const input = parseInput(recordVisitInput, raw, 'input');
    const visitedAt = new Date(input.visitedAt);
    assertRecentInstant('input.visitedAt', visitedAt, this.clock(), VISIT_RECORDED_WITHIN_DAYS);
    return this.transaction(async (tx) => {
      const [household] = await tx.store.householdsByIds([input.householdId]);
      if (!household) throw badInput('input.householdId', 'input.householdId: no such household');
      requireManage(caller, household.gridId);
      if (input.residentId) {
        const [resident] = await tx.store.residentsByIds([input.residentId]);
        if (resident?.householdId !== household.id) {
          throw badInput('input.residentId', 'input.residentId: not a member of this household');
        }
      }
      if (input.scheduledVisitId) {
        const scheduled = await tx.visits.lockScheduledVisit(input.scheduledVisitId);
        if (!scheduled || scheduled.householdId !== household.id) {
          throw badInput(
            'input.scheduledVisitId',
            'input.scheduledVisitId: no such visit scheduled for this household',
          );
        }
        if (scheduled.status !== 'scheduled') {
          throw conflict('this scheduled visit was already made', 'input.scheduledVisitId');
        }
      }
      const visit: Visit = {
        id: randomUUID(),
        householdId: household.id,
        residentId: input.residentId ?? null,
        gridId: household.gridId,
        visitorUserId: caller.userId ?? '',
        visitedAt,
        notes: input.notes,
        followUpNeeded: input.followUpNeeded,
        scheduledVisitId: input.scheduledVisitId ?? null,
      };
      await tx.visits.insertVisit(visit);
      if (visit.scheduledVisitId)
        await tx.visits.completeScheduledVisit(visit.scheduledVisitId, visit.id);
      await tx.publish(VisitRecorded, household.id, {
        visitId: visit.id,
        householdId: household.id,
        residentId: visit.residentId,
        gridId: household.gridId,
        visitedAt: visitedAt.toISOString(),
        followUpNeeded: visit.followUpNeeded,
      });
      if (visit.followUpNeeded) {
        await scheduleVisit(tx, {
          householdId: household.id,
          gridId: household.gridId,
          reason: 'follow_up',
          referenceId: visit.id,
          dueOn: shift(today(visitedAt), 0, FOLLOW_UP_AFTER_DAYS),
        });
      }
      return visit;
    });
  }

  /** A page of the households of the grid due a visit, most overdue first (first: 1 to 100, default 20). */
  async visitsDue(
    caller: Caller,
    args: { gridId: string; first?: number | null; after?: string | null },
  ): Promise<VisitDuePage> {
    const gridIds = gridsForVisits(caller, args.gridId);
    const asOf = this.clock();
    return readPage(args, KEYSETS.visitDue, {
      read: (range) => this.read.visitsDue(gridIds, asOf, range),
      count: () => this.read.countVisitsDue(gridIds, asOf),
    });
  }

  /**
   * A page of the follow-up visits scheduled in the grid (open ones unless `status` says), soonest
   * first (first: 1 to 100, default 20).
   */
  async scheduledVisits(
    caller: Caller,
    args: {
      gridId: string;
      status?: 'scheduled' | 'done' | null;
      first?: number | null;
      after?: string | null;
    },
  ): Promise<ScheduledVisitPage> {
    const gridIds = gridsForVisits(caller, args.gridId);
    const status = args.status ?? 'scheduled';
    return readPage(args, KEYSETS.scheduledVisit, {
      read: (range) => this.read.scheduledVisits(gridIds, status, range),
      count: () => this.read.countScheduledVisits(gridIds, status),
    });
  }

  /**
   * Households of any grid that fell due a routine visit before `asOf` (and since the watch began),
   * at most `limit` of them: each due instant is noticed once, and its VisitFellDue commits with the
   * notice, so a second replica or a rerun finds nothing more to announce. Returns how many.
   */
  static async announceNewlyDue(tx: Tx, asOf: Date, limit: number): Promise<number> {
    const due = await tx.visits.noticeNewlyDue(asOf, limit);
    for (const d of due) {
      await tx.publish(VisitFellDue, d.householdId, {
        householdId: d.householdId,
        gridId: d.gridId,
        dueAt: d.dueAt.toISOString(),
        cadenceDays: d.cadenceDays,
      });
    }
    return due.length;
  }

  /**
   * After a mediation agreement, schedules one follow-up visit for each household of the parties,
   * due a week after signing. A redelivered agreement schedules nothing new.
   */
  static async scheduleAgreementFollowUps(
    tx: Tx,
    agreement: { agreementId: string; partyResidentIds: string[]; signedOn: string },
  ): Promise<number> {
    const parties = await tx.store.residentsByIds(agreement.partyResidentIds);
    const households = new Map(parties.map((p) => [p.householdId, p.gridId]));
    let scheduled = 0;
    for (const [householdId, gridId] of households) {
      const inserted = await scheduleVisit(tx, {
        householdId,
        gridId,
        reason: 'mediation_follow_up',
        referenceId: agreement.agreementId,
        dueOn: shift(agreement.signedOn, 0, FOLLOW_UP_AFTER_DAYS),
      });
      if (inserted) scheduled += 1;
    }
    return scheduled;
  }
}

/** Schedules a visit unless the same reason and reference already did; publishes it when new. */
async function scheduleVisit(
  tx: Tx,
  v: Omit<ScheduledVisit, 'id' | 'status' | 'visitId'>,
): Promise<boolean> {
  const visit: ScheduledVisit = { ...v, id: randomUUID(), status: 'scheduled', visitId: null };
  const inserted = await tx.visits.insertScheduledVisit(visit);
  if (inserted) {
    await tx.publish(FollowUpVisitScheduled, v.householdId, {
      scheduledVisitId: visit.id,
      householdId: v.householdId,
      gridId: v.gridId,
      reason: v.reason,
      referenceId: v.referenceId,
      dueOn: v.dueOn,
    });
  }
  return inserted;
}
