import type { DataSource } from 'typeorm';
import type { BaseRequestContext } from '@liyuan/kit';
import { createApp, type ResidentsApp } from '../app';
import { createLoaders, type ResidentsLoaders } from './loaders';

/** Everything a residents resolver needs for one request: the use cases and the batch loaders. */
export interface ResidentsContext extends BaseRequestContext, Omit<ResidentsApp, 'stores'> {
  loaders: ResidentsLoaders;
}

/** Builds the request context: the use cases bound to this request's trace, and the loaders. */
export function createContext(base: BaseRequestContext, dataSource: DataSource): ResidentsContext {
  const { stores, ...useCases } = createApp(dataSource, base.traceparent);
  return { ...base, ...useCases, loaders: createLoaders(stores, base) };
}
