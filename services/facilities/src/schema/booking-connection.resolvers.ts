import { connectionResolvers } from '@liyuan/kit';
import type { Booking } from '../domain/model';
import type { BookingConnectionResolvers } from './generated/resolvers-types';

/** A page of bookings; the total is counted only when asked for. */
export const BookingConnection: BookingConnectionResolvers = {
  ...connectionResolvers<Booking>(),
};
