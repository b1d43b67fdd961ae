import type { DataSource } from 'typeorm';
import type { BaseRequestContext } from '@liyuan/kit';
import { createApp, type SpacesApp } from '../app';
import { createLoaders, type SpacesLoaders } from './loaders';

/** Everything a shared-spaces resolver needs for one request: the use cases and the batch loaders. */
export interface SpacesContext extends BaseRequestContext, Omit<SpacesApp, 'store'> {
  loaders: SpacesLoaders;
}

/** Builds the request context: the use cases bound to this request's trace, and the loaders. */
export function createContext(base: BaseRequestContext, dataSource: DataSource): SpacesContext {
  const { store, ...useCases } = createApp(dataSource, base.traceparent);
  return { ...base, ...useCases, loaders: createLoaders(store, base.caller) };
}
