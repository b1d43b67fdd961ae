import { COURT_CONFIRMATION_DAYS } from '../domain/cases';
import type { Agreement as AgreementModel } from '../domain/model';

const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

export const Agreement = {
  courtConfirmationDeadline: (a: AgreementModel) => addDays(a.signedOn, COURT_CONFIRMATION_DAYS),
};
