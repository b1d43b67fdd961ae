import type { Session } from '../domain/model';

export const MediationSession = {
  attendees: (s: Session) => s.attendees.map((id) => ({ id })),
};
