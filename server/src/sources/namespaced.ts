/**
 * One source over every network namespace the registry knows: each is read
 * by its own instance of the chosen source, from inside it (the netlink
 * source through a sock_diag socket the addon opens there; ss and netstat
 * under `nsenter --net`; proc from /proc/PID/net of a process inside), and
 * every row is tagged with its namespace. A namespace that cannot be entered
 * (no CAP_SYS_ADMIN) is read from /proc/PID/net/tcp* where a process inside
 * is visible, and says so; one that vanishes mid-sweep simply leaves, its
 * rows removed — never an error.
 */
import { statSync } from 'node:fs';

import type { NetnsTarget } from '@keepalive-dashboard/native';
import { connectionId, type Connection, type ErrorBody, type SourceName } from '@keepalive-dashboard/shared';

import { sweeperFor, type Sweeper } from '../collector/sweep.js';
import { isNamespaceFileGone } from '../namespaces/errors.js';
import type { NamespaceEntry, NamespaceRegistry } from '../namespaces/registry.js';
import { createNetlinkSource } from './netlink.js';
import { createNetstatSource } from './netstat.js';
import { createProcSource } from './proc.js';
import { createSsSource } from './ss.js';
import type { LookupResult, Source, SweepResult } from './types.js';

type Reader = NonNullable<NamespaceEntry['reader']>;

/** How each source reads a namespace it must enter (the server's own uses the plain source). */
export interface NamespaceReaders {
  enter(name: SourceName, target: NetnsTarget): Source;
  /** /proc/PID/net of a process inside: no entering needed. */
  procAt(netDir: string): Source;
}

export const DEFAULT_READERS: NamespaceReaders = {
  enter(name, target) {
    switch (name) {
      case 'netlink':
        return createNetlinkSource({ netns: target });
      case 'ss':
        return createSsSource({ enterNetns: target.path });
      case 'netstat':
        return createNetstatSource({ enterNetns: target.path });
      case 'proc':
        // Never asked: the proc source reads /proc/PID/net without entering (procAt).
        throw new Error('the proc source does not enter namespaces');
    }
  },
  procAt: (netDir) => createProcSource({ netDir }),
};

/** After a failed entry, try entering again this often (capabilities can be granted, a failure can be passing). */
const RETRY_ENTER_MS = 60_000;

interface NamespaceState {
  sweeper: Sweeper;
  source: Source;
  reader: Reader;
  /** Set when it is read by a fallback: when to try entering again. */
  retryEnterAt: number | null;
  error: ErrorBody | null;
  /** Not swept yet: what it reports first replaces what the namespace had (another reader's ids, another differ's baseline). */
  fresh: boolean;
}

/** The registry's rows say when namespaces come and go; this source reads what is in them. */
export function createNamespacedSource(name: SourceName, registry: NamespaceRegistry, own: Source, readers: NamespaceReaders = DEFAULT_READERS): Source {
  const states = new Map<number, NamespaceState>();
  /** Namespaces the store may hold rows of (swept, and not relisted empty since). */
  const swept = new Set<number>();

  const tag = (inode: number, connections: Connection[]): Connection[] => {
    const foreign = inode !== registry.ownInode;
    for (const c of connections) {
      c.netns = inode;
      if (foreign && c.id.startsWith('tw:')) c.id = connectionId(c, inode);
    }
    return connections;
  };

  /** A source that tags what it reads: the full-dump sweeper then diffs tagged ids. */
  const tagged = (inode: number, source: Source): Source => {
    const out: Source = { name: source.name, collect: async () => tag(inode, await source.collect()) };
    if (source.sweep) {
      const sweep = source.sweep.bind(source);
      out.sweep = async (toleranceMs) => {
        const r = await sweep(toleranceMs);
        return { ...r, changed: tag(inode, r.changed) };
      };
    }
    if (source.lookup) {
      const lookup = source.lookup.bind(source);
      out.lookup = async (connections) => {
        const r = await lookup(connections);
        return { found: tag(inode, r.found), missing: r.missing };
      };
    }
    if (source.resetSweep) out.resetSweep = source.resetSweep.bind(source);
    return out;
  };

  const stateOf = (inode: number, source: Source, reader: Reader, error: ErrorBody | null, retryEnterAt: number | null): NamespaceState => {
    const t = tagged(inode, source);
    return { source: t, sweeper: sweeperFor(t), reader, retryEnterAt, error, fresh: true };
  };

  /** Entering first; else /proc/PID/net of a process inside; null when neither is possible now. */
  const open = (inode: number, now: number): NamespaceState | null => {
    const targets = registry.targets(inode);
    if (targets === null) return stateOf(inode, own, name, null, null);
    if (name === 'proc') {
      const dir = registry.procNetDirs(inode)[0];
      return dir ? stateOf(inode, readers.procAt(dir), 'proc', null, null) : null;
    }
    const target = targets.find((t) => stillNames(t));
    if (target) return stateOf(inode, readers.enter(name, target), name, null, null);
    return fallback(inode, { code: 'ENOENT', message: 'no file names this namespace any more' }, now);
  };

  const fallback = (inode: number, why: ErrorBody, now: number): NamespaceState | null => {
    if (name === 'proc') return null;
    const dir = registry.procNetDirs(inode)[0];
    if (!dir) return null;
    const error = { code: why.code, message: `${why.message}; its sockets are read from ${dir}/tcp and tcp6 instead (no tcp_info, no cookies)` };
    return stateOf(inode, readers.procAt(dir), 'proc', error, now + RETRY_ENTER_MS);
  };

  /** One namespace read; its error noted. Null when it has gone (its ids are then removed). */
  const sweepOne = async (entry: NamespaceEntry, toleranceMs: number, now: number): Promise<(SweepResult & { fresh: boolean }) | null> => {
    let state = states.get(entry.inode);
    if (state?.retryEnterAt !== null && state?.retryEnterAt !== undefined && now >= state.retryEnterAt) state = undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      state ??= open(entry.inode, now) ?? undefined;
      if (!state) break;
      states.set(entry.inode, state);
      try {
        const result = await state.sweeper.sweep(toleranceMs);
        registry.noteRead(entry.inode, state.reader, state.error);
        const fresh = state.fresh;
        state.fresh = false;
        return { ...result, fresh };
      } catch (error) {
        // The server's own namespace failing is the source failing: the store logs it and keeps the last table.
        if (entry.own) throw error;
        const code = String((error as { code?: unknown } | null)?.code ?? '');
        if (state.reader !== 'proc' && isNamespaceFileGone(error)) {
          // This file no longer names it; the next one may (or it has gone).
          states.delete(entry.inode);
          state = undefined;
          continue;
        }
        const why: ErrorBody = { code: code || 'EIO', message: error instanceof Error ? error.message : String(error) };
        const next = state.reader === 'proc' ? null : fallback(entry.inode, why, now);
        if (!next) {
          states.delete(entry.inode);
          registry.noteRead(entry.inode, null, why);
          return null;
        }
        state = next;
      }
    }
    states.delete(entry.inode);
    registry.noteRead(entry.inode, null, registry.get(entry.inode)?.error ?? { code: 'ENOENT', message: 'the namespace is gone' });
    return null;
  };

  const source: Source = {
    name,
    async collect() {
      const out: Connection[] = [];
      const now = Date.now();
      for (const entry of registry.list()) {
        const state = states.get(entry.inode) ?? open(entry.inode, now);
        if (!state) continue;
        try {
          out.push(...(await state.source.collect()));
        } catch (error) {
          // The server's own namespace failing is the source failing (auto falls back); another's is its own problem.
          if (entry.own) throw error;
        }
      }
      return out;
    },
    async sweep(toleranceMs) {
      const started = performance.now();
      const now = Date.now();
      const changed: Connection[] = [];
      const removed: string[] = [];
      // Of the namespaces the store holds rows of: gone, unreadable now, or read by a new reader
      // (whose first sweep is the whole namespace). Each is said once, not every sweep.
      const relisted: number[] = [];
      let total = 0;
      const live = new Set<number>();
      for (const entry of registry.list()) {
        live.add(entry.inode);
        const r = await sweepOne(entry, toleranceMs, now);
        if ((!r || r.fresh) && swept.has(entry.inode)) relisted.push(entry.inode);
        if (!r) {
          swept.delete(entry.inode);
          continue;
        }
        swept.add(entry.inode);
        changed.push(...r.changed);
        removed.push(...r.removed);
        total += r.total;
      }
      for (const inode of [...swept]) {
        if (live.has(inode)) continue;
        swept.delete(inode);
        relisted.push(inode);
      }
      for (const inode of [...states.keys()]) if (!live.has(inode)) states.delete(inode);
      return { changed, removed, relisted, total, dumpMs: performance.now() - started };
    },
    resetSweep() {
      for (const state of states.values()) state.sweeper.reset();
    },
  };

  if (own.lookup) {
    source.lookup = async (connections): Promise<LookupResult> => {
      const byNetns = new Map<number, Connection[]>();
      for (const c of connections) {
        const inode = c.netns ?? registry.ownInode;
        let group = byNetns.get(inode);
        if (!group) byNetns.set(inode, (group = []));
        group.push(c);
      }
      const found: Connection[] = [];
      const missing: string[] = [];
      for (const [inode, group] of byNetns) {
        const state = states.get(inode);
        // A namespace read by a fallback cannot answer one socket: the sweep reads it.
        if (!state?.sweeper.lookup) continue;
        try {
          const r = await state.sweeper.lookup(group);
          found.push(...r.found);
          missing.push(...r.missing);
        } catch (error) {
          if (inode === registry.ownInode) throw error;
          // The namespace went meanwhile: the next sweep removes its rows.
        }
      }
      return { found, missing };
    };
  }
  return source;
}

/** A /proc/PID/ns/net path still names the namespace (the pid may have been reused); mounts are checked by the addon too. */
function stillNames(target: NetnsTarget): boolean {
  try {
    return statSync(target.path).ino === target.inode;
  } catch {
    return false;
  }
}
