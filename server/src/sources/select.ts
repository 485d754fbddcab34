/**
 * `--source auto|netlink|ss|netstat|proc`: auto tries netlink (the native
 * dump, fastest and richest) and falls back in order, saying why.
 */
import type { SourceName } from '@keepalive-dashboard/shared';

import type { Source } from './types.js';

export type SourceRequest = 'auto' | SourceName;

export const AUTO_ORDER: readonly SourceName[] = ['netlink', 'ss', 'proc', 'netstat'];

export interface SelectedSource {
  source: Source;
  requested: SourceRequest;
  /** Why each source ahead of the chosen one was passed over (auto only). */
  fallbacks: { source: SourceName; reason: string }[];
}

export type SourceFactories = Record<SourceName, () => Source>;

/**
 * Picks a source and proves it works with one real collection. An explicit
 * choice that fails throws (the user asked for it); auto moves on and records why.
 */
export async function selectSource(
  requested: SourceRequest,
  factories: SourceFactories,
  log: (message: string) => void = () => {},
): Promise<SelectedSource> {
  if (requested !== 'auto') {
    const source = factories[requested]();
    await source.collect();
    return { source, requested, fallbacks: [] };
  }
  const fallbacks: SelectedSource['fallbacks'] = [];
  for (const name of AUTO_ORDER) {
    try {
      const source = factories[name]();
      await source.collect();
      return { source, requested, fallbacks };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      fallbacks.push({ source: name, reason });
      log(`source ${name} unavailable: ${reason}; trying the next one`);
    }
  }
  throw new Error(`no source works on this host: ${fallbacks.map((f) => `${f.source}: ${f.reason}`).join('; ')}`);
}
