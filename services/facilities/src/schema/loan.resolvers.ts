import type { Loan as LoanModel } from '../domain/model';
import type { FacilitiesContext as Ctx } from './context';

export const Loan = {
  book: (l: LoanModel, _: unknown, ctx: Ctx) => ctx.loaders.book.load(l.bookId),
  resident: (l: LoanModel) => ({ id: l.residentId }),
};
