import type { Book as BookModel } from '../domain/model';
import type { FacilitiesContext as Ctx } from './context';

export const Book = {
  __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.book.load(ref.id),
  available: async (b: BookModel, _: unknown, ctx: Ctx) =>
    b.copies - (await ctx.loaders.copiesOnLoan.load(b.id)),
};
