import { connectionResolvers } from '@liyuan/kit';
import type { Loan } from '../domain/model';
import type { LoanConnectionResolvers } from './generated/resolvers-types';

/** A page of overdue loans; the total is counted only when asked for. */
export const LoanConnection: LoanConnectionResolvers = {
  ...connectionResolvers<Loan>(),
};
