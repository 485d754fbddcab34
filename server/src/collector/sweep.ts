/**
 * One sweep interface for every source. The netlink source diffs in the
 * addon and hands over only the rows that changed; a text source (ss,
 * netstat, /proc) can only list everything, so its whole dump counts as
 * "changed" and the store's viewChanged() decides what a viewer sees move.
 */
import type { Connection } from '@keepalive-dashboard/shared';

import type { LookupResult, Source, SweepResult } from '../sources/types.js';

export interface Sweeper {
  sweep(toleranceMs: number): Promise<SweepResult>;
  /** Null when the source can only list everything: then every tick is a sweep. */
  readonly lookup: ((connections: readonly Connection[]) => Promise<LookupResult>) | null;
  reset(): void;
}

export function sweeperFor(source: Source): Sweeper {
  if (source.sweep) {
    const sweep = source.sweep.bind(source);
    return {
      sweep,
      lookup: source.lookup ? source.lookup.bind(source) : null,
      reset: () => source.resetSweep?.(),
    };
  }
  return fullDumpSweeper(source);
}

function fullDumpSweeper(source: Source): Sweeper {
  let previous = new Set<string>();
  return {
    async sweep() {
      const started = performance.now();
      const changed = await source.collect();
      const dumpMs = performance.now() - started;
      const present = new Set<string>();
      for (const c of changed) present.add(c.id);
      const removed: string[] = [];
      for (const id of previous) if (!present.has(id)) removed.push(id);
      previous = present;
      return { changed, removed, total: present.size, dumpMs };
    },
    lookup: null,
    reset: () => {
      previous = new Set();
    },
  };
}
