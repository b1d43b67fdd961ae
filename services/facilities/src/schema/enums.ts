import { enumValues } from '@liyuan/kit';
import {
  BOOKER_TYPES,
  BOOKING_STATUSES,
  EQUIPMENT_STATUSES,
  FACILITY_KINDS,
  FACILITY_STATUSES,
  REPAIR_ORDER_SOURCES,
  REPAIR_ORDER_STATUSES,
} from '../domain/model';

/** The schema's enums, each from the domain's one list of its values. */
export const enums = {
  FacilityKind: enumValues(FACILITY_KINDS),
  FacilityStatus: enumValues(FACILITY_STATUSES),
  BookerType: enumValues(BOOKER_TYPES),
  BookingStatus: enumValues(BOOKING_STATUSES),
  EquipmentStatus: enumValues(EQUIPMENT_STATUSES),
  RepairOrderStatus: enumValues(REPAIR_ORDER_STATUSES),
  RepairOrderSource: enumValues(REPAIR_ORDER_SOURCES),
};
