/**
 * Every namespace's keepalive sysctls, cached: advisories compare each socket
 * against its own namespace's defaults, and 100k views cannot each open three
 * files. Read when a namespace appears, again every REREAD_MS, and at once
 * after a change made here.
 */
import type { ErrorBody, Sysctl, SysctlPatch } from '@keepalive-dashboard/shared';

import { netnsSysctlFiles, SysctlStore } from '../sysctl.js';
import type { NamespaceRegistry } from './registry.js';

const REREAD_MS = 30_000;

interface Cached {
  values: Sysctl | null;
  error: ErrorBody | null;
  readAt: number;
}

export class NamespaceSysctls {
  private readonly cache = new Map<number, Cached>();

  constructor(
    private readonly registry: NamespaceRegistry,
    /** The server's own namespace's store (its directory is injectable for tests). */
    private readonly own: SysctlStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** The store for one namespace; null when the registry does not know it. */
  store(inode: number): SysctlStore | null {
    const targets = this.registry.targets(inode);
    if (targets === null) return this.own;
    if (!this.registry.get(inode)) return null;
    return new SysctlStore(netnsSysctlFiles(targets));
  }

  /** Last values read (reading now if never read); null with `error` when they cannot be. */
  get(inode: number): Cached {
    return this.cache.get(inode) ?? this.read(inode);
  }

  /** Writes, then caches what the kernel holds after. */
  write(inode: number, patch: SysctlPatch): { before: Sysctl; after: Sysctl } {
    const store = this.store(inode);
    if (!store) throw Object.assign(new Error(`no network namespace ${inode}`), { code: 'ENOENT' });
    const result = store.write(patch);
    this.cache.set(inode, { values: result.after, error: null, readAt: this.now() });
    return result;
  }

  /** Re-reads what is stale; returns the namespaces whose values changed (their advisories follow). */
  refreshDue(): number[] {
    const now = this.now();
    const changed: number[] = [];
    const live = new Set<number>();
    for (const entry of this.registry.list()) {
      live.add(entry.inode);
      const before = this.cache.get(entry.inode);
      if (before && now - before.readAt < REREAD_MS) continue;
      const after = this.read(entry.inode);
      if (before && !sameSysctl(before.values, after.values)) changed.push(entry.inode);
    }
    for (const inode of [...this.cache.keys()]) if (!live.has(inode)) this.cache.delete(inode);
    return changed;
  }

  private read(inode: number): Cached {
    const store = this.store(inode);
    let cached: Cached;
    if (!store) cached = { values: null, error: { code: 'ENOENT', message: `no network namespace ${inode}` }, readAt: this.now() };
    else {
      try {
        cached = { values: store.read(), error: null, readAt: this.now() };
      } catch (error) {
        cached = { values: null, error: { code: String((error as { code?: unknown }).code ?? 'EIO'), message: (error as Error).message }, readAt: this.now() };
      }
    }
    this.cache.set(inode, cached);
    return cached;
  }
}

function sameSysctl(a: Sysctl | null, b: Sysctl | null): boolean {
  if (a === null || b === null) return a === b;
  return a.keepaliveTimeSec === b.keepaliveTimeSec && a.keepaliveIntvlSec === b.keepaliveIntvlSec && a.keepaliveProbes === b.keepaliveProbes;
}
