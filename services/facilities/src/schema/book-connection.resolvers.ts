import { connectionResolvers } from '@liyuan/kit';
import type { Book } from '../domain/model';
import type { BookConnectionResolvers } from './generated/resolvers-types';

/** A page of titles; the total is counted only when asked for. */
export const BookConnection: BookConnectionResolvers = {
  ...connectionResolvers<Book>(),
};
