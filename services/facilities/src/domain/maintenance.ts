import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { EquipmentFaultReported, EquipmentRestored, RepairOrderOpened } from '@liyuan/schemas';
import {
  badInput,
  conflict,
  freeText,
  line,
  notFound,
  parseInput,
  readPage,
  unauthenticated,
  uuid,
  type Caller,
} from '@liyuan/kit';
import { requireManager } from './access';
import { KEYSETS } from './keysets';
import type { Equipment, RepairOrder, RepairOrderPage } from './model';
import type { FacilitiesStore, RunInTransaction, Tx } from './ports';

const addEquipmentInput = z.object({ facilityId: uuid, name: line(100) });
const recordInspectionInput = z.object({
  equipmentId: uuid,
  passed: z.boolean(),
  notes: freeText(2000, 0),
});
const reportFaultInput = z.object({ equipmentId: uuid, description: freeText(2000) });
const completeRepairInput = z.object({ id: uuid, resolution: freeText(2000) });

/** Equipment, its inspections, and the repair orders that take it out of service and back. */
export class Maintenance {
  constructor(
    private readonly read: FacilitiesStore,
    private readonly transaction: RunInTransaction,
  ) {}

  /** A page of open repair orders, oldest first (managers; first: 1 to 100, default 20). */
  openOrders(
    caller: Caller,
    args: { first?: number | null; after?: string | null },
  ): Promise<RepairOrderPage> {
    requireManager(caller);
    return readPage(args, KEYSETS.repairOrder, {
      read: (range) => this.read.openRepairOrders(range),
      count: () => this.read.countOpenRepairOrders(),
    });
  }

  async addEquipment(caller: Caller, raw: unknown): Promise<Equipment> {
    requireManager(caller);
    const input = parseInput(addEquipmentInput, raw, 'input');
    return this.transaction(async ({ store }) => {
      if (!(await store.facilitiesByIds([input.facilityId])).length) {
        throw badInput('input.facilityId', 'input.facilityId: no such facility');
      }
      const equipment: Equipment = {
        id: randomUUID(),
        facilityId: input.facilityId,
        name: input.name,
        status: 'in_service',
      };
      await store.insertEquipment(equipment);
      return equipment;
    });
  }

  /** Records an inspection; a failure opens a repair order and takes the device out of service. */
  async recordInspection(caller: Caller, raw: unknown): Promise<Equipment> {
    requireManager(caller);
    const { equipmentId, passed, notes } = parseInput(recordInspectionInput, raw, 'input');
    return this.transaction(async (tx) => {
      const equipment = await locked(tx, equipmentId);
      await tx.store.insertInspection({
        id: randomUUID(),
        equipmentId,
        inspectedAt: new Date(),
        passed,
        notes,
        inspectorUserId: caller.userId ?? '',
      });
      if (passed) return equipment;
      await openFault(tx, equipment, 'inspection', notes || 'Failed inspection');
      return { ...equipment, status: 'out_of_service' };
    });
  }

  /** Anyone signed in may report a faulty device. */
  async reportFault(caller: Caller, raw: unknown): Promise<RepairOrder> {
    if (caller.userId === null) throw unauthenticated();
    const { equipmentId, description } = parseInput(reportFaultInput, raw, 'input');
    return this.transaction(async (tx) =>
      openFault(tx, await locked(tx, equipmentId), 'fault_report', description),
    );
  }

  /** Completes a repair; the device returns to service once no other repair of it is open. */
  async completeRepair(caller: Caller, raw: unknown): Promise<RepairOrder> {
    requireManager(caller);
    const { id, resolution } = parseInput(completeRepairInput, raw, 'input');
    return this.transaction(async (tx) => {
      const order = await tx.store.lockRepairOrder(id);
      if (!order) throw notFound('repair order', id, 'input.id');
      if (order.status !== 'open')
        throw conflict('the repair order is already completed', 'input.id');
      await tx.store.completeRepairOrder(id, resolution);
      if (order.equipmentId) {
        const equipment = await tx.store.lockEquipment(order.equipmentId);
        const stillOpen = (await tx.store.openRepairOrdersOf(order.equipmentId)).filter(
          (o) => o.id !== id,
        );
        if (equipment && !stillOpen.length && equipment.status === 'out_of_service') {
          await tx.store.setEquipmentStatus(equipment.id, 'in_service');
          await tx.publish(EquipmentRestored, equipment.id, {
            equipmentId: equipment.id,
            facilityId: equipment.facilityId,
            repairOrderId: id,
          });
        }
      }
      return { ...order, status: 'completed', completedAt: new Date(), resolution };
    });
  }

  /**
   * A resident reported a facility fault at the one-stop hall: a repair order is opened for it
   * (once per request, however often the request is delivered).
   */
  static async openForServiceRequest(tx: Tx, serviceRequestId: string): Promise<boolean> {
    const order: RepairOrder = {
      id: randomUUID(),
      equipmentId: null,
      facilityId: null,
      source: 'service_request',
      serviceRequestId,
      description: `Fault reported at the one-stop service hall (request ${serviceRequestId})`,
      status: 'open',
      openedAt: new Date(),
      completedAt: null,
      resolution: null,
    };
    const inserted = await tx.store.insertRepairOrder(order);
    if (inserted) {
      await tx.publish(RepairOrderOpened, order.id, {
        repairOrderId: order.id,
        equipmentId: null,
        facilityId: null,
        serviceRequestId,
      });
    }
    return inserted;
  }
}

async function locked(tx: Tx, equipmentId: string): Promise<Equipment> {
  const equipment = await tx.store.lockEquipment(equipmentId);
  if (!equipment) throw notFound('equipment', equipmentId, 'input.equipmentId');
  return equipment;
}

async function openFault(
  tx: Tx,
  equipment: Equipment,
  source: 'inspection' | 'fault_report',
  description: string,
): Promise<RepairOrder> {
  const order: RepairOrder = {
    id: randomUUID(),
    equipmentId: equipment.id,
    facilityId: equipment.facilityId,
    source,
    serviceRequestId: null,
    description,
    status: 'open',
    openedAt: new Date(),
    completedAt: null,
    resolution: null,
  };
  await tx.store.insertRepairOrder(order);
  await tx.store.setEquipmentStatus(equipment.id, 'out_of_service');
  await tx.publish(RepairOrderOpened, order.id, {
    repairOrderId: order.id,
    equipmentId: equipment.id,
    facilityId: equipment.facilityId,
    serviceRequestId: null,
  });
  await tx.publish(EquipmentFaultReported, equipment.id, {
    equipmentId: equipment.id,
    facilityId: equipment.facilityId,
    repairOrderId: order.id,
    source,
  });
  return order;
}
