import type { BookResolvers } from './generated/resolvers-types';

export const Book: BookResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.book.load(ref.id),
  available: async (b, _, ctx) => b.copies - (await ctx.loaders.copiesOnLoan.load(b.id)),
};
