import type { DataSource } from 'typeorm';
import type { BaseRequestContext } from '@liyuan/kit';
import { createApp, type VolunteersApp } from '../app';
import { createLoaders, type VolunteersLoaders } from './loaders';

/** Everything a volunteers resolver needs for one request: the use cases and the batch loaders. */
export interface VolunteersContext extends BaseRequestContext, Omit<VolunteersApp, 'store'> {
  loaders: VolunteersLoaders;
}

/** Builds the request context: the use cases bound to this request's trace, and the loaders. */
export function createContext(base: BaseRequestContext, dataSource: DataSource): VolunteersContext {
  const { store, ...useCases } = createApp(dataSource, base.traceparent);
  return { ...base, ...useCases, loaders: createLoaders(store) };
}
