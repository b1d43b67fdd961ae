import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { VolunteerServiceApproved } from '@liyuan/schemas';
import {
  badInput,
  conflict,
  forbidden,
  hasRole,
  notFound,
  parseInput,
  unauthenticated,
  type Caller,
  type Publish,
} from '@liyuan/kit';
import type { VolunteersStore } from '../data/volunteers.repository';
import {
  OPPORTUNITY_KINDS,
  TEAM_KINDS,
  type Opportunity,
  type ServiceRecord,
  type Team,
  type Volunteer,
} from './model';

/** Time-bank points per approved hour. */
export const POINTS_PER_HOUR = 10;

export interface Tx {
  store: VolunteersStore;
  publish: Publish;
}
export type RunInTransaction = <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;

const uuid = z.uuid('must be a valid id');
const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const instant = z.iso.datetime({
  offset: true,
  message: 'must be an ISO-8601 date and time with offset',
});
const id = (v: string, field: string) => parseInput(uuid, v, field);
const isStaff = (c: Caller) => hasRole(c, 'staff', 'admin');

function requireUser(c: Caller): void {
  if (c.userId === null) throw unauthenticated();
}
/** Staff, or the lead of `team`. */
function requireLead(c: Caller, team: Team | undefined): void {
  requireUser(c);
  if (isStaff(c)) return;
  if (team && hasRole(c, 'volunteer_lead') && team.leadUserId === c.userId) return;
  throw forbidden("only the team's lead or staff do this");
}

/**
 * Volunteers, their teams and opportunities. Sign-ups never exceed the slots (the opportunity row
 * is locked while counting); approved hours earn time-bank points; redemptions never take the
 * balance below zero (the volunteer row is locked and the ledger refuses a negative balance).
 */
export class Volunteering {
  constructor(
    private readonly transaction: RunInTransaction,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async createTeam(
    caller: Caller,
    a: { name: string; kind: string; leadUserId: string },
  ): Promise<Team> {
    requireUser(caller);
    if (!isStaff(caller)) throw forbidden('teams are created by staff');
    const t: Team = {
      id: randomUUID(),
      name: parseInput(text(100), a.name, 'name'),
      kind: parseInput(z.enum(TEAM_KINDS), a.kind, 'kind'),
      leadUserId: parseInput(text(100), a.leadUserId, 'leadUserId'),
    };
    return this.transaction(async ({ store }) => {
      await store.insertTeam(t);
      return t;
    });
  }

  /** A resident volunteers (themself), or staff register one. */
  async register(
    caller: Caller,
    a: { residentId?: string | null; skills?: string[] | null; availability?: string | null },
  ): Promise<Volunteer> {
    requireUser(caller);
    const residentId = a.residentId ? id(a.residentId, 'residentId') : caller.residentId;
    if (!residentId)
      throw badInput('residentId', 'residentId: required when registering someone else');
    if (residentId !== caller.residentId && !isStaff(caller))
      throw forbidden('residents register themselves');
    const v: Volunteer = {
      id: randomUUID(),
      residentId,
      skills: parseInput(z.array(text(40)).max(20), a.skills ?? [], 'skills'),
      availability: a.availability ? parseInput(text(200), a.availability, 'availability') : '',
      status: 'active',
    };
    return this.transaction(async ({ store }) => {
      if (!(await store.insertVolunteer(v)))
        throw conflict('this resident already volunteers', 'residentId');
      return v;
    });
  }

  async addToTeam(caller: Caller, teamId: string, residentId: string): Promise<Team> {
    return this.transaction(async ({ store }) => {
      const [team] = await store.teamsByIds([id(teamId, 'teamId')]);
      if (!team) throw notFound('team', teamId, 'teamId');
      requireLead(caller, team);
      const [v] = await store.volunteersOfResidents([id(residentId, 'residentId')]);
      if (!v) throw badInput('residentId', 'residentId: not a volunteer');
      await store.addMember(team.id, v.id);
      return team;
    });
  }

  async post(
    caller: Caller,
    a: {
      teamId: string;
      kind: string;
      title: string;
      facilityId?: string | null;
      startsAt: string;
      endsAt: string;
      slots: number;
    },
  ): Promise<Opportunity> {
    const startsAt = new Date(parseInput(instant, a.startsAt, 'startsAt'));
    const endsAt = new Date(parseInput(instant, a.endsAt, 'endsAt'));
    if (endsAt <= startsAt) throw badInput('endsAt', 'endsAt: must be after startsAt');
    return this.transaction(async ({ store }) => {
      const [team] = await store.teamsByIds([id(a.teamId, 'teamId')]);
      if (!team) throw badInput('teamId', 'teamId: no such team');
      requireLead(caller, team);
      const o: Opportunity = {
        id: randomUUID(),
        teamId: team.id,
        kind: parseInput(z.enum(OPPORTUNITY_KINDS), a.kind, 'kind'),
        title: parseInput(text(200), a.title, 'title'),
        facilityId: a.facilityId ? id(a.facilityId, 'facilityId') : null,
        startsAt,
        endsAt,
        slots: parseInput(z.number().int().min(1).max(500), a.slots, 'slots'),
        status: 'open',
      };
      await store.insertOpportunity(o, null);
      return o;
    });
  }

  /** The calling resident signs up, while slots remain. */
  async signUp(caller: Caller, opportunityId: string): Promise<Opportunity> {
    requireUser(caller);
    if (!caller.residentId) throw forbidden('residents sign themselves up');
    const residentId = caller.residentId;
    return this.transaction(async ({ store }) => {
      const o = await store.lockOpportunity(id(opportunityId, 'opportunityId'));
      if (!o) throw notFound('opportunity', opportunityId, 'opportunityId');
      const [v] = await store.volunteersOfResidents([residentId]);
      if (!v || v.status !== 'active') throw forbidden('register as a volunteer first');
      if (o.status !== 'open' || o.startsAt <= this.clock())
        throw conflict('the opportunity is no longer open', 'opportunityId');
      const current = await store.signupOf(o.id, v.id);
      if (current && current.status !== 'cancelled') return o;
      if ((await store.takenSlots(o.id)) >= o.slots)
        throw conflict('every slot is taken', 'opportunityId');
      await store.signUp(randomUUID(), o.id, v.id);
      return o;
    });
  }

  /** The team lead checks a volunteer in, then out; checking out logs the hours for approval. */
  async checkInOut(
    caller: Caller,
    opportunityId: string,
    residentId: string,
    out: boolean,
  ): Promise<ServiceRecord | null> {
    return this.transaction(async ({ store }) => {
      const o = await store.lockOpportunity(id(opportunityId, 'opportunityId'));
      if (!o) throw notFound('opportunity', opportunityId, 'opportunityId');
      requireLead(caller, o.teamId ? (await store.teamsByIds([o.teamId]))[0] : undefined);
      const [v] = await store.volunteersOfResidents([id(residentId, 'residentId')]);
      const s = v ? await store.signupOf(o.id, v.id) : undefined;
      if (!v || !s) throw badInput('residentId', 'residentId: not signed up');
      if (!out) {
        if (s.status !== 'signed_up')
          throw conflict(`a ${s.status.replace('_', ' ')} volunteer cannot check in`, 'residentId');
        await store.setSignup(o.id, v.id, 'checked_in');
        return null;
      }
      if (s.status !== 'checked_in') throw conflict('check the volunteer in first', 'residentId');
      await store.setSignup(o.id, v.id, 'checked_out');
      const since = (await store.checkedInAt(o.id, v.id)) ?? this.clock();
      const hours = Math.max(
        0.25,
        Math.round(((this.clock().getTime() - since.getTime()) / 3_600_000) * 4) / 4,
      );
      const record: ServiceRecord = {
        id: randomUUID(),
        volunteerId: v.id,
        opportunityId: o.id,
        activityId: null,
        teamId: o.teamId,
        hours,
        servedOn: this.clock(),
        status: 'pending',
      };
      await store.insertRecord(record);
      return record;
    });
  }

  /** The team lead approves hours: points are earned and VolunteerServiceApproved published, once. */
  async approve(caller: Caller, recordId: string): Promise<ServiceRecord> {
    return this.transaction(async (tx) => {
      const r = await tx.store.lockRecord(id(recordId, 'serviceRecordId'));
      if (!r) throw notFound('service record', recordId, 'serviceRecordId');
      requireLead(caller, r.teamId ? (await tx.store.teamsByIds([r.teamId]))[0] : undefined);
      if (r.status === 'approved')
        throw conflict('these hours are already approved', 'serviceRecordId');
      await tx.store.approveRecord(r.id, caller.userId ?? '');
      const [v] = await tx.store.volunteersByIds([r.volunteerId]);
      await tx.store.appendBank(
        r.volunteerId,
        Math.round(r.hours * POINTS_PER_HOUR),
        'earned',
        r.id,
      );
      await tx.publish(VolunteerServiceApproved, r.id, {
        serviceRecordId: r.id,
        residentId: v!.residentId,
        hours: r.hours,
        approvedAt: this.clock().toISOString(),
      });
      return { ...r, status: 'approved' };
    });
  }

  /** The calling volunteer redeems points; the balance never goes below zero. */
  async redeem(caller: Caller, points: number, reference: string): Promise<number> {
    requireUser(caller);
    if (!caller.residentId) throw forbidden('volunteers redeem their own points');
    const n = parseInput(z.number().int().min(1).max(100_000), points, 'points');
    const ref = parseInput(text(100), reference, 'reference');
    const residentId = caller.residentId;
    return this.transaction(async ({ store }) => {
      const v = await store.lockVolunteerOfResident(residentId);
      if (!v) throw forbidden('register as a volunteer first');
      const balance = (await store.balances([v.id])).get(v.id) ?? 0;
      if (balance < n) throw conflict(`the balance is ${balance} points`, 'points');
      return store.appendBank(v.id, -n, 'redeemed', `${ref}:${randomUUID()}`);
    });
  }

  /** Hours logged for the volunteers who staffed a completed activity, once per volunteer and activity. */
  static async logActivity(
    tx: Tx,
    a: { activityId: string; staffResidentIds: string[]; startsAt: string; endsAt: string },
  ): Promise<number> {
    const hours = Math.max(
      0.25,
      Math.round(((Date.parse(a.endsAt) - Date.parse(a.startsAt)) / 3_600_000) * 4) / 4,
    );
    let logged = 0;
    for (const v of await tx.store.volunteersOfResidents(a.staffResidentIds)) {
      const inserted = await tx.store.insertRecord({
        id: randomUUID(),
        volunteerId: v.id,
        opportunityId: null,
        activityId: a.activityId,
        teamId: null,
        hours,
        servedOn: new Date(a.endsAt),
        status: 'pending',
      });
      if (inserted) logged += 1;
    }
    return logged;
  }

  /** Equipment broke: a repair opportunity for the repair team, once per repair order. */
  static async postRepair(
    tx: Tx,
    fault: { repairOrderId: string; facilityId: string; equipmentId: string },
    now: Date,
  ): Promise<boolean> {
    const team = await tx.store.repairTeam();
    const startsAt = new Date(now.getTime() + 86_400_000);
    return tx.store.insertOpportunity(
      {
        id: randomUUID(),
        teamId: team?.id ?? null,
        kind: 'equipment_repair',
        title: `Repair equipment ${fault.equipmentId.slice(0, 8)}`,
        facilityId: fault.facilityId,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 2 * 3_600_000),
        slots: 2,
        status: 'open',
      },
      `repair-order:${fault.repairOrderId}`,
    );
  }
}
