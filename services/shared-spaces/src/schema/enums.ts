import { enumValues } from '@liyuan/kit';
import { ACTIVITY_STATUSES, THEMES } from '../domain/model';

/** The schema's enums, each from the domain's one list of its values. */
export const enums = {
  SpaceTheme: enumValues(THEMES),
  ActivityStatus: enumValues(ACTIVITY_STATUSES),
};
