import { enumValues } from '@liyuan/kit';
import {
  ACTIVITY_STATUSES,
  BRANCH_KINDS,
  MEMBER_STATUSES,
  POINTS_REASONS,
  THEMES,
} from '../domain/model';

/** The schema's enums, each from the domain's one list of its values. */
export const enums = {
  SpaceTheme: enumValues(THEMES),
  ActivityStatus: enumValues(ACTIVITY_STATUSES),
  PartyBranchKind: enumValues(BRANCH_KINDS),
  PartyMemberStatus: enumValues(MEMBER_STATUSES),
  PointsReason: enumValues(POINTS_REASONS),
};
