/**
 * The network namespaces the server watches, kept current each tick: found
 * (discover.ts), labelled (their `ip netns` name, else the container / pod /
 * unit their processes belong to, else "host" for the initial one, else
 * `netns:<inode>`), and reached through a file that names them (a bind mount
 * first: it outlives processes; else /proc/PID/ns/net of a process inside,
 * checked by inode at every use, so a reused pid is never mistaken for it).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import type { NetnsTarget } from '@keepalive-dashboard/native';
import type { ErrorBody, NetnsOwner, NetnsRef } from '@keepalive-dashboard/shared';

import { discoverNamespaces, type DiscoverOptions, type FoundNamespace } from './discover.js';
import { ownerFromCgroup, ownerLabel } from './owner.js';

/** init_net's fixed nsfs inode (PROC_NET_INIT_INO, 0xEFFFFFF9, Linux ≥ 6.x); older kernels: pid 1's namespace. */
const INIT_NET_INODE = 0xeffffff9;
/** Processes named per namespace (the list shows the first few; a container's first pid is its init). */
const NAMED_PROCESSES = 8;
/** Pids whose cgroup is read to find a namespace's owner. */
const OWNER_PROBES = 3;

export type NamespaceScope = 'all' | 'own';

export interface NamespaceEntry {
  inode: number;
  ref: NetnsRef;
  name: string | null;
  owner: NetnsOwner | null;
  own: boolean;
  initial: boolean;
  mounts: string[];
  pids: number[];
  processes: { pid: number; comm: string }[];
  firstSeenAt: number;
  /** How its sockets were read at the last sweep; null before the first or when they could not be. */
  reader: 'netlink' | 'ss' | 'netstat' | 'proc' | null;
  /** Why it could not be entered (or read at all). */
  error: ErrorBody | null;
}

export interface RefreshResult {
  appeared: number[];
  vanished: number[];
  /** Namespaces whose label changed (a name or an owner found later): their rows must be rebuilt. */
  relabelled: number[];
}

export interface RegistryOptions extends DiscoverOptions {
  scope?: NamespaceScope;
  now?: () => number;
  /** Where Docker keeps container configs (their names); default /var/lib/docker/containers. */
  dockerRoot?: string;
}

interface ProcessInfo {
  comm: string;
  owner: NetnsOwner | null;
  readAt: number;
}

/** A process may exec or move cgroups after we first read it (a container's init does both): re-read this often. */
const PROCESS_REREAD_MS = 10_000;

export class NamespaceRegistry {
  readonly scope: NamespaceScope;
  readonly ownInode: number;
  private readonly entries = new Map<number, NamespaceEntry>();
  private readonly processes = new Map<number, ProcessInfo>();
  private readonly containerNames = new Map<string, string | null>();
  private readonly now: () => number;
  private readonly procRoot: string;
  private initial: number | null = null;
  /** list(), sorted once per refresh (every sweep and every /api/namespaces asks for it). */
  private sorted: readonly NamespaceEntry[] = [];

  constructor(private readonly options: RegistryOptions = {}) {
    this.scope = options.scope ?? 'all';
    this.now = options.now ?? Date.now;
    this.procRoot = options.procRoot ?? '/proc';
    this.ownInode = statSync(join(this.procRoot, 'self/ns/net')).ino;
    this.refresh();
  }

  /** Re-discovers; cheap (a stat per process) so it runs every tick. */
  refresh(): RefreshResult {
    const found = discoverNamespaces(this.options);
    if (this.scope === 'own') for (const inode of [...found.keys()]) if (inode !== this.ownInode) found.delete(inode);
    // The server's own namespace is always there, even where /proc hides it.
    if (!found.has(this.ownInode)) found.set(this.ownInode, { inode: this.ownInode, name: null, mounts: [], pids: [process.pid] });
    this.initial = found.has(INIT_NET_INODE) ? INIT_NET_INODE : (this.initial ?? this.pidOneInode());
    const result: RefreshResult = { appeared: [], vanished: [], relabelled: [] };
    const livePids = new Set<number>();
    for (const ns of found.values()) {
      for (const pid of ns.pids) livePids.add(pid);
      const before = this.entries.get(ns.inode);
      const entry = this.update(ns, before);
      if (!before) result.appeared.push(ns.inode);
      else if (before.ref.label !== entry.ref.label) result.relabelled.push(ns.inode);
    }
    for (const inode of [...this.entries.keys()]) {
      if (!found.has(inode)) {
        this.entries.delete(inode);
        result.vanished.push(inode);
      }
    }
    for (const pid of [...this.processes.keys()]) if (!livePids.has(pid)) this.processes.delete(pid);
    this.sorted = [...this.entries.values()].sort((a, b) => Number(b.own) - Number(a.own) || a.ref.label.localeCompare(b.ref.label));
    return result;
  }

  /** The server's own first, then by label. */
  list(): readonly NamespaceEntry[] {
    return this.sorted;
  }

  /** The host's initial namespace (its defaults are what other namespaces' are compared with); null where it cannot be seen. */
  get initialInode(): number | null {
    return this.initial;
  }

  get(inode: number): NamespaceEntry | undefined {
    return this.entries.get(inode);
  }

  /** The row label of a socket's namespace (one shared object per namespace); a vanished one keeps `netns:<inode>`. */
  ref(inode: number | undefined): NetnsRef | null {
    if (inode === undefined) return null;
    return this.entries.get(inode)?.ref ?? { inode, label: `netns:${inode}`, own: inode === this.ownInode };
  }

  /**
   * The files that name it, best first; null for the server's own namespace
   * (no entering needed). Each is checked by inode when used.
   */
  targets(inode: number): NetnsTarget[] | null {
    if (inode === this.ownInode) return null;
    const entry = this.entries.get(inode);
    if (!entry) return [];
    return [...entry.mounts, ...entry.pids.slice(0, 3).map((pid) => join(this.procRoot, String(pid), 'ns/net'))].map((path) => ({ path, inode }));
  }

  /** Where the kernel's own view of a namespace's TCP tables can be read without entering it (/proc/PID/net). */
  procNetDirs(inode: number): string[] {
    if (inode === this.ownInode) return [join(this.procRoot, 'net')];
    return (this.entries.get(inode)?.pids ?? []).slice(0, 3).map((pid) => join(this.procRoot, String(pid), 'net'));
  }

  /** What the last sweep of a namespace managed. */
  noteRead(inode: number, reader: NamespaceEntry['reader'], error: ErrorBody | null): void {
    const entry = this.entries.get(inode);
    if (!entry) return;
    entry.reader = reader;
    entry.error = error;
  }

  private update(ns: FoundNamespace, before: NamespaceEntry | undefined): NamespaceEntry {
    const own = ns.inode === this.ownInode;
    const initial = ns.inode === this.initial;
    const processes = ns.pids.slice(0, NAMED_PROCESSES).map((pid) => ({ pid, comm: this.process(pid).comm }));
    let owner: NetnsOwner | null = null;
    if (!initial) for (const pid of ns.pids.slice(0, OWNER_PROBES)) owner ??= this.process(pid).owner;
    const label = ns.name ?? (owner ? ownerLabel(owner, this.containerName(owner)) : initial ? 'host' : `netns:${ns.inode}`);
    const ref = before && before.ref.label === label ? before.ref : { inode: ns.inode, label, own };
    const entry: NamespaceEntry = {
      inode: ns.inode,
      ref,
      name: ns.name,
      owner,
      own,
      initial,
      mounts: ns.mounts,
      pids: ns.pids,
      processes,
      firstSeenAt: before?.firstSeenAt ?? this.now(),
      reader: before?.reader ?? null,
      error: before?.error ?? null,
    };
    this.entries.set(ns.inode, entry);
    return entry;
  }

  private process(pid: number): ProcessInfo {
    let info = this.processes.get(pid);
    const now = this.now();
    if (!info || now - info.readAt > PROCESS_REREAD_MS) {
      const read = (file: string): string => {
        try {
          return readFileSync(join(this.procRoot, String(pid), file), 'utf8');
        } catch {
          return '';
        }
      };
      info = { comm: read('comm').trim(), owner: ownerFromCgroup(read('cgroup')), readAt: now };
      this.processes.set(pid, info);
    }
    return info;
  }

  /** Docker's name for a container (config.v2.json "Name"), read once per id. */
  private containerName(owner: NetnsOwner): string | null {
    if (owner.runtime !== 'docker' || !/^[0-9a-f]{64}$/.test(owner.id)) return null;
    if (!this.containerNames.has(owner.id)) {
      let name: string | null = null;
      try {
        const config = JSON.parse(readFileSync(join(this.options.dockerRoot ?? '/var/lib/docker/containers', owner.id, 'config.v2.json'), 'utf8')) as { Name?: unknown };
        if (typeof config.Name === 'string' && /^\/?[\w.-]{1,128}$/.test(config.Name)) name = config.Name.replace(/^\//, '');
      } catch {
        name = null;
      }
      if (this.containerNames.size > 4096) this.containerNames.clear();
      this.containerNames.set(owner.id, name);
    }
    return this.containerNames.get(owner.id) ?? null;
  }

  private pidOneInode(): number | null {
    try {
      return statSync(join(this.procRoot, '1/ns/net')).ino;
    } catch {
      return null;
    }
  }
}
