import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  ServiceRequestFiled,
  ServiceRequestResolved,
  ServiceRequestStatusChanged,
} from '@liyuan/schemas';
import {
  badInput,
  conflict,
  forbidden,
  freeText,
  hasRole,
  notFound,
  parseInput,
  readPage,
  unauthenticated,
  uuid,
  type Caller,
  type Logger,
} from '@liyuan/kit';
import { KEYSETS } from './keysets';
import {
  SERVICE_REQUEST_STATUSES,
  SERVICE_REQUEST_TYPES,
  type RequestVisibility,
  type ServiceRequest,
  type ServiceRequestPage,
  type ServiceRequestStatus,
} from './model';
import type { RunInTransaction, ServiceRequestStore, Tx } from './ports';
import { assertMove, isFinal, OWNING_SERVICE } from './service-request-status';

const fileInput = z.object({
  residentId: uuid.nullish(),
  type: z.enum(SERVICE_REQUEST_TYPES),
  description: freeText(2000),
});
/** The moves hall staff make, each with a note (free text): optional on starting, else required. */
const startInput = z.object({ id: uuid, note: freeText(2000, 0).nullish() });
const resolveInput = z.object({ id: uuid, resolution: freeText(2000) });
const rejectInput = z.object({ id: uuid, reason: freeText(2000) });
const listFilter = z.object({
  status: z.enum(SERVICE_REQUEST_STATUSES).nullish(),
  type: z.enum(SERVICE_REQUEST_TYPES).nullish(),
  gridId: uuid.nullish(),
  residentId: uuid.nullish(),
});

/** Who may read a request: staff and admins, the grid member of its grid, and the resident it is for. */
export function canReadRequest(caller: Caller, r: { residentId: string; gridId: string }): boolean {
  if (caller.userId === null) return false;
  if (hasRole(caller, 'admin', 'staff')) return true;
  if (hasRole(caller, 'grid_member') && caller.gridIds.includes(r.gridId)) return true;
  return caller.residentId === r.residentId;
}

/**
 * The requests a caller may read, as {@link canReadRequest} decides one by one, for a listing to
 * filter: staff and admins every request; others those of their grids (grid members) and their own.
 */
export function requestVisibility(caller: Caller): RequestVisibility {
  if (caller.userId === null) return { all: false, gridIds: [], residentId: null };
  if (hasRole(caller, 'admin', 'staff')) return { all: true };
  return {
    all: false,
    gridIds: hasRole(caller, 'grid_member') ? caller.gridIds : [],
    residentId: caller.residentId ?? null,
  };
}

const staffOnly = (caller: Caller): void => {
  if (caller.userId === null) throw unauthenticated();
  if (!hasRole(caller, 'admin', 'staff'))
    throw forbidden('only hall staff handle service requests');
};

/**
 * One-stop service requests: filed by a resident for themself, or by staff (or the grid member)
 * for a resident; handled at the hall, or referred to mediation or facilities when they take it.
 */
export class ServiceRequests {
  constructor(
    private readonly read: ServiceRequestStore,
    private readonly transaction: RunInTransaction,
  ) {}

  async file(caller: Caller, raw: unknown): Promise<ServiceRequest> {
    if (caller.userId === null) throw unauthenticated();
    const input = parseInput(fileInput, raw, 'input');
    let residentId = input.residentId ?? undefined;
    const staffLike = hasRole(caller, 'admin', 'staff', 'grid_member');
    if (!staffLike) {
      if (!hasRole(caller, 'resident') || !caller.residentId) {
        throw forbidden('requests are filed by residents, grid members or hall staff');
      }
      if (residentId && residentId !== caller.residentId)
        throw forbidden('a resident files requests for themself');
      residentId = caller.residentId;
    }
    if (!residentId)
      throw badInput('input.residentId', 'input.residentId: required when filing for a resident');
    const forResident = residentId;
    return this.transaction(async ({ store, requests, publish }) => {
      const [resident] = await store.residentsByIds([forResident]);
      if (!resident) throw badInput('input.residentId', 'input.residentId: no such resident');
      if (
        hasRole(caller, 'grid_member') &&
        !hasRole(caller, 'admin', 'staff') &&
        caller.residentId !== forResident &&
        !caller.gridIds.includes(resident.gridId)
      ) {
        throw forbidden('this resident is not in one of your grids');
      }
      if (resident.status !== 'active')
        throw conflict(`resident is ${resident.status}`, 'input.residentId');
      const now = new Date();
      const request: ServiceRequest = {
        id: randomUUID(),
        residentId: resident.id,
        householdId: resident.householdId,
        gridId: resident.gridId,
        type: input.type,
        description: input.description,
        status: 'filed',
        referredTo: null,
        filedBy: caller.userId ?? '',
        filedAt: now,
        updatedAt: now,
      };
      await requests.insert(request);
      await requests.appendChange({
        requestId: request.id,
        from: null,
        to: 'filed',
        actor: request.filedBy,
        note: null,
      });
      await publish(ServiceRequestFiled, request.id, {
        requestId: request.id,
        residentId: resident.id,
        householdId: resident.householdId,
        gridId: resident.gridId,
        type: request.type,
      });
      return request;
    });
  }

  /** Hall staff take the request up. */
  start(caller: Caller, raw: unknown): Promise<ServiceRequest> {
    staffOnly(caller);
    const input = parseInput(startInput, raw, 'input');
    return this.move(caller, input.id, 'in_progress', input.note ?? null);
  }

  /** Hall staff resolve it, saying how. */
  resolve(caller: Caller, raw: unknown): Promise<ServiceRequest> {
    staffOnly(caller);
    const input = parseInput(resolveInput, raw, 'input');
    return this.move(caller, input.id, 'resolved', input.resolution);
  }

  /** Hall staff reject it, saying why. */
  reject(caller: Caller, raw: unknown): Promise<ServiceRequest> {
    staffOnly(caller);
    const input = parseInput(rejectInput, raw, 'input');
    return this.move(caller, input.id, 'rejected', input.reason);
  }

  private async move(
    caller: Caller,
    id: string,
    to: ServiceRequestStatus,
    text: string | null,
  ): Promise<ServiceRequest> {
    staffOnly(caller);
    return this.transaction(async (tx) => {
      const request = await tx.requests.lock(id);
      if (!request) throw notFound('service request', id, 'input.id');
      assertMove(request.status, to, 'input.id');
      return applyMove(tx, request, to, null, caller.userId ?? '', text);
    });
  }

  /**
   * The owning service took the request (mediation opened a case, facilities a repair order): the
   * request is referred. Unknown, already final or mismatched requests are left as they are.
   */
  static async markReferred(
    tx: Tx,
    requestId: string,
    to: 'mediation' | 'facilities',
    reference: string,
    logger: Logger,
  ): Promise<boolean> {
    const request = await tx.requests.lock(requestId);
    if (!request || isFinal(request.status) || OWNING_SERVICE[request.type] !== to) {
      logger.warn({ requestId, to, status: request?.status }, 'referral acknowledgement ignored');
      return false;
    }
    await applyMove(tx, request, 'referred', to, `service:${to}`, `${to} reference ${reference}`);
    return true;
  }

  async get(caller: Caller, id: string): Promise<ServiceRequest | null> {
    if (caller.userId === null) throw unauthenticated();
    if (!uuid.safeParse(id).success) throw badInput('id', 'id: must be a valid id');
    const [request] = await this.read.byIds([id]);
    if (!request) return null;
    if (!canReadRequest(caller, request))
      throw forbidden('this request is not visible to the caller');
    return request;
  }

  /** Requests the caller may see, newest first (first: 1 to 100, default 20). */
  async list(
    caller: Caller,
    args: { first?: number | null; after?: string | null; filter?: unknown },
  ): Promise<ServiceRequestPage> {
    if (caller.userId === null) throw unauthenticated();
    const filter = parseInput(listFilter, args.filter ?? {}, 'filter');
    let gridIds = filter.gridId ? [filter.gridId] : undefined;
    let residentId = filter.residentId ?? undefined;
    if (!hasRole(caller, 'admin', 'staff')) {
      if (hasRole(caller, 'grid_member')) {
        if (filter.gridId && !caller.gridIds.includes(filter.gridId))
          throw forbidden('this grid is not one of yours');
        gridIds = filter.gridId ? [filter.gridId] : caller.gridIds;
      } else if (caller.residentId) {
        if (residentId && residentId !== caller.residentId)
          throw forbidden('a resident sees their own requests');
        residentId = caller.residentId;
      } else {
        throw forbidden('service requests are not visible to this caller');
      }
    }
    const query = {
      gridIds,
      residentId,
      status: filter.status ?? undefined,
      type: filter.type ?? undefined,
    };
    return readPage(args, KEYSETS.serviceRequest, {
      read: (range) => this.read.list(query, range),
      count: () => this.read.count(query),
    });
  }
}

async function applyMove(
  tx: Tx,
  request: ServiceRequest,
  to: ServiceRequestStatus,
  referredTo: ServiceRequest['referredTo'],
  actor: string,
  text: string | null,
): Promise<ServiceRequest> {
  await tx.requests.setStatus(request.id, to, referredTo);
  await tx.requests.appendChange({
    requestId: request.id,
    from: request.status,
    to,
    actor,
    note: text,
  });
  await tx.publish(ServiceRequestStatusChanged, request.id, {
    requestId: request.id,
    residentId: request.residentId,
    gridId: request.gridId,
    from: request.status,
    to,
  });
  if (to === 'resolved' || to === 'rejected' || to === 'referred') {
    await tx.publish(ServiceRequestResolved, request.id, {
      requestId: request.id,
      residentId: request.residentId,
      type: request.type,
      outcome: to,
      referredTo,
    });
  }
  return { ...request, status: to, referredTo, updatedAt: new Date() };
}
