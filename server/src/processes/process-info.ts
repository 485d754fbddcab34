/**
 * Who a holder is beyond its 15-character comm: command line, user, and the
 * systemd unit or container its cgroup names. Read once per process and kept
 * while the pid's start time and comm stay the same: a pid the kernel hands to
 * a new process has a new start time, and an exec in place a new comm, so both
 * are noticed without rereading the rest. (A uid changed by setuid() without
 * an exec — a daemon dropping root after binding — is seen only if that
 * happened before the first scan, which for a running daemon it has.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ownerFromCgroup, ownerLabel } from '../namespaces/owner.js';

export interface ProcessInfo {
  /** /proc/PID/cmdline with NULs as spaces, at most CMDLINE_MAX_CHARS; '' for kernel threads or when unreadable. */
  cmdline: string;
  /** Effective uid from /proc/PID/status; null when unreadable. */
  uid: number | null;
  /** The uid's name in the passwd file; null when it has none. */
  user: string | null;
  /** `systemd:<unit>`, `docker:<id>`, `pod:<uid>`… from /proc/PID/cgroup; null when none. */
  unit: string | null;
}

const CMDLINE_MAX_CHARS = 512;
/** A uid missing from the passwd file is looked for again at most this often (useradd while we run). */
const PASSWD_RETRY_MS = 10_000;
const UNKNOWN: ProcessInfo = Object.freeze({ cmdline: '', uid: null, user: null, unit: null });

const readOr = (path: string, fallback: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
};

/** Field 22 of /proc/PID/stat (clock ticks after boot), read after the last ')' since comm may hold spaces and parens. */
function startTimeOf(statText: string): string | null {
  const fields = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? null;
}

export class ProcessInfoCache {
  private readonly byPid = new Map<number, { startTime: string; comm: string; info: ProcessInfo }>();
  private users: Map<number, string> | null = null;
  private usersReadAt = -Infinity;

  constructor(private readonly options: { procRoot?: string; now?: () => number } = {}) {}

  /** Info for a live pid (`comm` as the scan read it); one small read (stat) when cached, a few more when new, reused or exec'd. */
  get(pid: number, comm: string): ProcessInfo {
    const dir = join(this.options.procRoot ?? '/proc', String(pid));
    const startTime = startTimeOf(readOr(join(dir, 'stat'), ''));
    if (startTime === null) {
      this.byPid.delete(pid);
      return UNKNOWN; // exited between the fd scan and now
    }
    const known = this.byPid.get(pid);
    if (known && known.startTime === startTime && known.comm === comm) return known.info;
    const info = this.read(dir);
    this.byPid.set(pid, { startTime, comm, info });
    return info;
  }

  /** Forgets pids not in `live`: the cache stays as large as the set of socket holders. */
  retain(live: ReadonlySet<number>): void {
    for (const pid of this.byPid.keys()) if (!live.has(pid)) this.byPid.delete(pid);
  }

  private read(dir: string): ProcessInfo {
    const cmdline = readOr(join(dir, 'cmdline'), '').slice(0, CMDLINE_MAX_CHARS + 1).replace(/\0+$/, '').replace(/\0/g, ' ').slice(0, CMDLINE_MAX_CHARS);
    const uidMatch = /^Uid:\s+\d+\s+(\d+)/m.exec(readOr(join(dir, 'status'), ''));
    const uid = uidMatch ? Number(uidMatch[1]) : null;
    const owner = ownerFromCgroup(readOr(join(dir, 'cgroup'), ''));
    return Object.freeze({ cmdline, uid, user: uid === null ? null : this.userName(uid), unit: owner ? ownerLabel(owner) : null });
  }

  private userName(uid: number): string | null {
    const now = (this.options.now ?? Date.now)();
    if (this.users === null || (!this.users.has(uid) && now - this.usersReadAt >= PASSWD_RETRY_MS)) {
      this.users = parsePasswd(readOr('/etc/passwd', ''));
      this.usersReadAt = now;
    }
    return this.users.get(uid) ?? null;
  }
}

function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':');
    // The first entry for a uid is the one getpwuid returns.
    if (name && uid && /^\d+$/.test(uid) && !users.has(Number(uid))) users.set(Number(uid), name);
  }
  return users;
}
