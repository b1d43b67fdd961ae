import { courtConfirmationDeadline } from '../domain/cases';
import type { AgreementResolvers } from './generated/resolvers-types';

export const Agreement: AgreementResolvers = {
  courtConfirmationDeadline: (a) => courtConfirmationDeadline(a.signedOn),
};
