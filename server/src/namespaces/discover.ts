/**
 * Every network namespace on the host, found the way `lsns -t net` and
 * `ip netns` find them: the /proc/PID/ns/net of every process, de-duplicated
 * by nsfs inode, plus the bind mounts that keep namespaces alive without a
 * process (`ip netns add` in /run/netns, Docker's /run/docker/netns, rootless
 * Podman's /run/user/UID/netns). A namespace that only a socket keeps alive
 * (its last process moved away with setns) has neither and is not found.
 *
 * stat() follows the magic link to the nsfs inode; without CAP_SYS_PTRACE
 * another user's /proc/PID/ns/net is EACCES and its namespace stays unseen
 * unless a bind mount names it.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface FoundNamespace {
  inode: number;
  /** `ip netns` name: a file of /run/netns (or /var/run/netns) mounted on it. */
  name: string | null;
  /** Bind mounts that refer to it, stable across its processes. */
  mounts: string[];
  /** Processes whose network namespace it is, in pid order. */
  pids: number[];
}

export interface DiscoverOptions {
  procRoot?: string;
  /** Directories of bind-mounted namespace files; the first two give `ip netns` names. */
  mountDirs?: readonly string[];
}

export const NAMED_NETNS_DIRS = ['/run/netns', '/var/run/netns'];
const RUNTIME_NETNS_DIRS = ['/run/docker/netns', '/var/run/docker/netns'];

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The nsfs device: a bind-mount file not on it is a leftover placeholder (an `ip netns add` that failed), not a namespace. */
function nsfsDevice(procRoot: string): number | null {
  try {
    return statSync(join(procRoot, 'self/ns/net')).dev;
  } catch {
    return null;
  }
}

function mountDirs(options: DiscoverOptions): readonly string[] {
  if (options.mountDirs) return options.mountDirs;
  const rootless = entries('/run/user').map((uid) => `/run/user/${uid}/netns`);
  return [...NAMED_NETNS_DIRS, ...RUNTIME_NETNS_DIRS, ...rootless];
}

export function discoverNamespaces(options: DiscoverOptions = {}): Map<number, FoundNamespace> {
  const procRoot = options.procRoot ?? '/proc';
  const found = new Map<number, FoundNamespace>();
  const entry = (inode: number): FoundNamespace => {
    let ns = found.get(inode);
    if (!ns) {
      ns = { inode, name: null, mounts: [], pids: [] };
      found.set(inode, ns);
    }
    return ns;
  };
  const dev = nsfsDevice(procRoot);
  const dirs = mountDirs(options);
  const named = new Set(options.mountDirs ? dirs.slice(0, 2) : NAMED_NETNS_DIRS);
  const seenFiles = new Set<string>();
  for (const dir of dirs) {
    for (const file of entries(dir)) {
      const path = join(dir, file);
      try {
        const st = statSync(path);
        if (dev !== null && st.dev !== dev) continue;
        // /var/run is usually a link to /run: one mount, seen twice.
        const key = `${st.dev}:${st.ino}:${file}`;
        if (seenFiles.has(key)) continue;
        seenFiles.add(key);
        const ns = entry(st.ino);
        ns.mounts.push(path);
        if (named.has(dir)) ns.name ??= file;
      } catch {
        // gone between readdir and stat, or not ours to see
      }
    }
  }
  const pids = entries(procRoot)
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
  for (const pid of pids) {
    try {
      entry(statSync(join(procRoot, String(pid), 'ns/net')).ino).pids.push(pid);
    } catch {
      // exited, a kernel thread's namespace we may not see, or another user's (EACCES)
    }
  }
  return found;
}
