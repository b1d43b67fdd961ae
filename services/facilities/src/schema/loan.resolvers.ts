import { loadExisting } from '@liyuan/kit';
import type { LoanResolvers } from './generated/resolvers-types';

export const Loan: LoanResolvers = {
  book: (l, _, ctx) => loadExisting(ctx.loaders.book, l.bookId, 'book'),
  resident: (l) => ({ id: l.residentId }),
};
