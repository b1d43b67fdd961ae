import type { DataSource } from 'typeorm';
import type { BaseRequestContext } from '@liyuan/kit';
import { createApp, type MediationApp } from '../app';
import { canSeeCase } from '../domain/cases';
import type { DisputeCase } from '../domain/model';
import { createLoaders, type MediationLoaders } from './loaders';

/** Everything a mediation resolver needs for one request: the use cases and the batch loaders. */
export interface MediationContext extends BaseRequestContext, Omit<MediationApp, 'store'> {
  loaders: MediationLoaders;
  /** Whether the caller may see the case (parties, its mediators, mediation staff). */
  visible(c: DisputeCase): Promise<boolean>;
}

/** Builds the request context: the use cases bound to this request's trace, and the loaders. */
export function createContext(base: BaseRequestContext, dataSource: DataSource): MediationContext {
  const { store, ...useCases } = createApp(dataSource, base.traceparent);
  const loaders = createLoaders(store, base.caller);
  return {
    ...base,
    ...useCases,
    loaders,
    visible: async (c) => {
      const [parties, mediators] = await Promise.all([
        loaders.parties.load(c.id),
        loaders.mediators.load(c.id),
      ]);
      return canSeeCase(base.caller, {
        partyIds: parties.map((p) => p.residentId),
        mediatorUserIds: mediators.map((m) => m.userId),
      });
    },
  };
}
