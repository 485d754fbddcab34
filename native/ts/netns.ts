/**
 * Another network namespace, reached without this process ever leaving its
 * own: the addon opens a file naming the namespace, checks it is the one
 * meant, and a short-lived thread setns()s into it, opens a netlink socket or
 * a /proc/sys/net file, hands back the fd and exits. The fd keeps working in
 * that namespace; nothing keeps the namespace alive after a call returns.
 */
import { explain, codeOf } from './explain.js';
import { isSystemError } from './errors.js';

/**
 * A network namespace by a file that refers to it (`/proc/PID/ns/net`,
 * `/run/netns/NAME`, a container runtime's bind mount) and the nsfs inode it
 * must have: a reused pid or a mount now naming another namespace fails
 * ESTALE instead of reaching the wrong one.
 */
export interface NetnsTarget {
  path: string;
  inode: number;
}

/** The trailing (path, inode) arguments the addon takes; none for our own namespace. */
export function netnsArgs(netns: NetnsTarget | undefined): [path?: string, inode?: number] {
  if (netns === undefined) return [];
  if (typeof netns !== 'object' || netns === null) throw new TypeError(`netns must be {path, inode}, got ${netns === null ? 'null' : typeof netns}`);
  const { path, inode } = netns;
  if (typeof path !== 'string' || path === '' || path.includes('\0')) {
    throw new TypeError(`netns.path must be a non-empty file path, got ${JSON.stringify(path)}`);
  }
  if (typeof inode !== 'number' || !Number.isSafeInteger(inode) || inode <= 0) {
    throw new TypeError(`netns.inode must be a positive integer (the nsfs inode), got ${String(inode)}`);
  }
  return [path, inode];
}

/** The syscalls of entering a namespace (native/src/netns.h), as opposed to the work done inside. */
const ENTERING = new Set(['open(netns)', 'ioctl(NS_GET_NSTYPE)', 'fstat(netns)', 'setns', 'pthread_create']);

/** True for a failure to reach the namespace at all (gone, replaced, not one, no permission). */
export function isNetnsEntryError(error: unknown): boolean {
  return isSystemError(error) && error.syscall !== undefined && ENTERING.has(error.syscall);
}

/**
 * The same error with a message saying what it means for the namespace:
 * ENOENT/ESRCH it is gone (callers treat it as vanished), ESTALE the file
 * names another one now, EINVAL it is not a network namespace, EPERM
 * entering needs CAP_SYS_ADMIN. Anything else passes through.
 */
export function explainNetns(error: unknown, netns: NetnsTarget | undefined): unknown {
  if (netns === undefined || !isNetnsEntryError(error)) return error;
  const message = entryMessage(codeOf(error), netns);
  return message === undefined ? error : explain(error, message);
}

function entryMessage(code: string | undefined, { path, inode }: NetnsTarget): string | undefined {
  switch (code) {
    case 'ENOENT':
    case 'ESRCH':
      return `network namespace ${path} is gone`;
    case 'ESTALE':
      return `${path} no longer names network namespace ${inode} (its process exited or the mount now names another)`;
    case 'EINVAL':
      return `${path} is not a network namespace`;
    case 'EPERM':
      return `entering network namespace ${path} needs CAP_SYS_ADMIN`;
    default:
      return undefined;
  }
}

/** Runs a synchronous addon call, its namespace-entry failure explained. */
export function inNetns<T>(netns: NetnsTarget | undefined, call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw explainNetns(error, netns);
  }
}

/** Awaits an asynchronous addon call, its namespace-entry failure explained. */
export async function inNetnsAsync<T>(netns: NetnsTarget | undefined, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw explainNetns(error, netns);
  }
}

const SYSCTL_PREFIX = '/proc/sys/net/';

/**
 * Checks openFileInNetns' file and mode: only a namespace's own sysctls
 * (absolute paths under /proc/sys/net/, no `.` or `..` segment) may be opened
 * from inside it.
 */
export function checkSysctlFile(file: unknown, mode: unknown): void {
  if (typeof file !== 'string' || !file.startsWith(SYSCTL_PREFIX) || file.includes('\0')) {
    throw new TypeError(`file must be an absolute path under ${SYSCTL_PREFIX}, got ${JSON.stringify(file)}`);
  }
  const segments = file.slice(SYSCTL_PREFIX.length).split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new TypeError(`file must name a sysctl under ${SYSCTL_PREFIX} without empty, . or .. segments, got ${JSON.stringify(file)}`);
  }
  if (mode !== 'r' && mode !== 'w') throw new TypeError(`mode must be 'r' or 'w', got ${JSON.stringify(mode)}`);
}
