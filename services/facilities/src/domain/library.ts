import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  badInput,
  checkResidentReference,
  communityDate,
  conflict,
  isoDate,
  line,
  notFound,
  parseInput,
  readPage,
  textArg,
  uuid,
  type Caller,
} from '@liyuan/kit';
import { requireManager } from './access';
import { KEYSETS } from './keysets';
import type { Book, BookPage, Loan, LoanPage } from './model';
import type { FacilitiesStore, RunInTransaction, Tx } from './ports';

const addBookInput = z.object({
  title: line(200),
  author: line(100),
  isbn: z
    .string()
    .regex(/^(\d{9}[\dX]|\d{13})$/, 'must be 10 or 13 digits')
    .nullish(),
  copies: z.number().int().min(1).max(100),
});
const lendInput = z.object({ bookId: uuid, residentId: uuid, dueOn: isoDate.nullish() });
const returnInput = z.object({ loanId: uuid });

/** Default loan period. */
export const LOAN_DAYS = 30;
/** The longest loan: a due date at most this many days ahead. */
export const MAX_LOAN_DAYS = 90;

/** The community library: titles, loans that never exceed the copies, returns, overdue loans. */
export class Library {
  constructor(
    private readonly read: FacilitiesStore,
    private readonly transaction: RunInTransaction,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** A page of titles by title, optionally matching a title or author substring (public; first: 1 to 100, default 20). */
  search(args: {
    first?: number | null;
    after?: string | null;
    search?: string | null;
  }): Promise<BookPage> {
    const term =
      (args.search == null ? undefined : textArg(args.search, 'search', 100)) || undefined;
    return readPage(args, KEYSETS.book, {
      read: (range) => this.read.searchBooks(term, range),
      count: () => this.read.countBooks(term),
    });
  }

  async addBook(caller: Caller, raw: unknown): Promise<Book> {
    requireManager(caller);
    const input = parseInput(addBookInput, raw, 'input');
    const book: Book = {
      id: randomUUID(),
      title: input.title,
      author: input.author,
      isbn: input.isbn ?? null,
      copies: input.copies,
    };
    await this.transaction(({ store }) => store.insertBook(book));
    return book;
  }

  /**
   * Lends a copy to a resident the registry announced (and who has not moved out), due after today
   * and at most {@link MAX_LOAN_DAYS} days ahead; the book row is locked, so concurrent loans never
   * exceed the copies.
   */
  async lend(caller: Caller, raw: unknown): Promise<Loan> {
    requireManager(caller);
    const { bookId, residentId, dueOn } = parseInput(lendInput, raw, 'input');
    const now = this.clock();
    const today = communityDate(now);
    const due = dueOn ?? communityDate(new Date(now.getTime() + LOAN_DAYS * 86_400_000));
    if (due <= today) throw badInput('input.dueOn', 'input.dueOn: must be after today');
    const latest = communityDate(new Date(now.getTime() + MAX_LOAN_DAYS * 86_400_000));
    if (due > latest)
      throw badInput('input.dueOn', `input.dueOn: at most ${MAX_LOAN_DAYS} days ahead (${latest})`);
    return this.transaction(async ({ store }) => {
      checkResidentReference(
        await store.knownResidents([residentId]),
        residentId,
        'input.residentId',
        { activeOnly: true },
      );
      const book = await store.lockBook(bookId);
      if (!book) throw badInput('input.bookId', 'input.bookId: no such book');
      const onLoan = (await store.copiesOnLoan([bookId])).get(bookId) ?? 0;
      if (onLoan >= book.copies)
        throw conflict('every copy of this book is on loan', 'input.bookId');
      const loan: Loan = {
        id: randomUUID(),
        bookId,
        residentId,
        borrowedAt: now,
        dueOn: due,
        returnedAt: null,
        flaggedAt: null,
      };
      await store.insertLoan(loan);
      return loan;
    });
  }

  async return(caller: Caller, raw: unknown): Promise<Loan> {
    requireManager(caller);
    const { loanId } = parseInput(returnInput, raw, 'input');
    return this.transaction(async ({ store }) => {
      const loan = await store.lockLoan(loanId);
      if (!loan) throw notFound('loan', loanId, 'input.loanId');
      if (loan.returnedAt) throw conflict('the book was already returned', 'input.loanId');
      await store.returnLoan(loanId);
      return { ...loan, returnedAt: new Date() };
    });
  }

  /** A page of loans past their due date, most overdue first (managers; first: 1 to 100, default 20). */
  overdue(
    caller: Caller,
    args: { first?: number | null; after?: string | null },
  ): Promise<LoanPage> {
    requireManager(caller);
    const today = communityDate(this.clock());
    return readPage(args, KEYSETS.loanDue, {
      read: (range) => this.read.overdueLoans(today, range),
      count: () => this.read.countOverdueLoans(today),
    });
  }

  /** A resident moved out: their open loans are flagged for the librarian; returns how many. */
  static flagLoansOfMovedOut(tx: Tx, residentId: string): Promise<number> {
    return tx.store.flagOpenLoansOf(residentId);
  }
}
