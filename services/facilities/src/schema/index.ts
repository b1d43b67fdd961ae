import { DateScalar, DateTimeScalar } from '@liyuan/kit';
import { Book } from './book.resolvers';
import { BookConnection } from './book-connection.resolvers';
import { Booking } from './booking.resolvers';
import { BookingConnection } from './booking-connection.resolvers';
import { enums } from './enums';
import { Equipment } from './equipment.resolvers';
import { Facility } from './facility.resolvers';
import type { Resolvers } from './generated/resolvers-types';
import { InspectionConnection } from './inspection-connection.resolvers';
import { Loan } from './loan.resolvers';
import { LoanConnection } from './loan-connection.resolvers';
import { Mutation } from './mutation.resolvers';
import { Query } from './query.resolvers';
import { RepairOrder } from './repair-order.resolvers';
import { RepairOrderConnection } from './repair-order-connection.resolvers';
import { Resident } from './resident.resolvers';

/** The subgraph's resolver map: one file per type; resolvers only translate to the use cases. */
export const resolvers: Resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  ...enums,
  Query,
  Mutation,
  Facility,
  Booking,
  BookingConnection,
  Equipment,
  InspectionConnection,
  RepairOrder,
  RepairOrderConnection,
  Book,
  BookConnection,
  Loan,
  LoanConnection,
  Resident,
};
