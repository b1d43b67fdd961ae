import type { DataSource } from 'typeorm';
import type { BaseRequestContext } from '@liyuan/kit';
import { createApp, type FacilitiesApp } from '../app';
import { createLoaders, type FacilitiesLoaders } from './loaders';

/** Everything a facilities resolver needs for one request: the use cases and the batch loaders. */
export interface FacilitiesContext extends BaseRequestContext, Omit<FacilitiesApp, 'store'> {
  loaders: FacilitiesLoaders;
}

/** Builds the request context: the use cases bound to this request's trace, and the loaders. */
export function createContext(base: BaseRequestContext, dataSource: DataSource): FacilitiesContext {
  const { store, ...useCases } = createApp(dataSource, base.traceparent);
  return { ...base, ...useCases, loaders: createLoaders(store) };
}
