import type { PointsEntry as PointsEntryModel } from '../domain/model';

export const PointsEntry = {
  reason: (e: PointsEntryModel) => e.reason.toUpperCase(),
};
