/** How components reach the model: a context, and selector hooks over useSyncExternalStore. */
import { createContext, useContext, useSyncExternalStore } from 'react';

import type { DashboardModel, DashboardState } from '../model/dashboard.js';
import type { NamespacesState } from '../model/namespaces.js';
import type { FrameClock } from './frame-clock.js';

export interface Env {
  model: DashboardModel;
  frames: FrameClock;
}

export const EnvContext = createContext<Env | null>(null);

export function useEnv(): Env {
  const env = useContext(EnvContext);
  if (!env) throw new Error('EnvContext missing: render inside <EnvContext.Provider>');
  return env;
}

/** One slice of the model's state; re-renders when (and only when) that slice changes identity. */
export function useModelState<T>(select: (state: DashboardState) => T): T {
  const { model } = useEnv();
  return useSyncExternalStore(model.subscribe, () => select(model.getState()), () => select(model.getState()));
}

/** The namespace list (its own model, reached through the dashboard's). */
export function useNamespaces<T>(select: (state: NamespacesState) => T): T {
  const { namespaces } = useEnv().model;
  return useSyncExternalStore(namespaces.subscribe, () => select(namespaces.getState()), () => select(namespaces.getState()));
}
