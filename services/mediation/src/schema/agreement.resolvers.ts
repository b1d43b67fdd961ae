import { COURT_CONFIRMATION_DAYS } from '../domain/cases';
import type { AgreementResolvers } from './generated/resolvers-types';

const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

export const Agreement: AgreementResolvers = {
  courtConfirmationDeadline: (a) => addDays(a.signedOn, COURT_CONFIRMATION_DAYS),
};
