/**
 * Another process's socket: pidfd_open + pidfd_getfd duplicate its fd into
 * this process for one synchronous call, checked against the socket the
 * caller means (the fd number may have been closed and reused since it was
 * looked up), then closed at once.
 */
import { explain, codeOf } from './explain.js';
import { systemError } from './errors.js';
import type { RawAddon, RawSocketIdentity } from './native.js';

/** Which socket the caller means; at least one. The cookie is the stronger: never reused during a boot. */
export interface ForeignSocketExpectation {
  /** The `socket:[inode]` number (ss `ino:`, the dump's `inode`). */
  inode?: number;
  /** 16 hex digits (ss `sk:`, the dump's `cookie`, SO_COOKIE). */
  cookie?: string;
}

export interface ForeignRaw {
  pidfdGetfd: NonNullable<RawAddon['pidfdGetfd']>;
  closeFd: NonNullable<RawAddon['closeFd']>;
  socketIdentity: NonNullable<RawAddon['socketIdentity']>;
}

/**
 * Runs `fn` with a duplicate of process `pid`'s fd `fd`, after checking it is
 * the expected socket (ESTALE otherwise), and closes the duplicate when `fn`
 * returns or throws. `fn` must be synchronous. Errors: EPERM (needs
 * CAP_SYS_PTRACE or the same uid), ESRCH (the process exited), EBADF (no such
 * fd), ENOTSOCK, ESTALE; each with a message that says which.
 */
export function withForeignSocketWith<T>(
  raw: () => ForeignRaw,
  pid: number,
  fd: number,
  expect: ForeignSocketExpectation,
  fn: (dupFd: number) => T,
): T {
  checkInteger(pid, 'pid', 1);
  checkInteger(fd, 'fd', 0);
  const expected = checkExpectation(expect);
  if (typeof fn !== 'function') throw new TypeError('fn must be a function taking the duplicated fd');
  const addon = raw();
  let dup: number;
  try {
    dup = addon.pidfdGetfd(pid, fd);
  } catch (error) {
    throw explain(error, getfdMessage(codeOf(error), pid, fd) ?? (error as Error).message);
  }
  try {
    let identity: RawSocketIdentity;
    try {
      identity = addon.socketIdentity(dup);
    } catch (error) {
      throw codeOf(error) === 'ENOTSOCK' ? explain(error, `process ${pid} fd ${fd} is not a socket`) : error;
    }
    const mismatch =
      (expected.inode !== undefined && identity.inode !== expected.inode) ||
      (expected.cookie !== undefined && identity.cookie !== expected.cookie);
    if (mismatch) {
      const want = [expected.inode !== undefined && `inode ${expected.inode}`, expected.cookie && `cookie ${expected.cookie}`]
        .filter(Boolean)
        .join(', ');
      throw systemError(
        'ESTALE',
        `process ${pid} fd ${fd} is socket inode ${identity.inode} (cookie ${identity.cookie}), not the expected ${want}: ` +
          'the fd was closed and reused, or belongs to another socket',
      );
    }
    const result = fn(dup);
    if (typeof (result as { then?: unknown } | null)?.then === 'function') {
      throw new TypeError('fn must be synchronous: the duplicated fd is closed as soon as it returns');
    }
    return result;
  } finally {
    addon.closeFd(dup);
  }
}

/** What a pidfd_open/pidfd_getfd errno means for process `pid`'s fd `fd`; undefined for the rest. */
export function getfdMessage(code: string | undefined, pid: number, fd: number): string | undefined {
  switch (code) {
    case 'EPERM':
      return `not permitted to take fd ${fd} from process ${pid}: pidfd_getfd needs CAP_SYS_PTRACE or the same uid as the target`;
    case 'ESRCH':
      return `process ${pid} has exited`;
    case 'EBADF':
      return `process ${pid} has no fd ${fd}`;
    case 'EINVAL':
      return `${pid} is not a process id (a thread id?)`;
    case 'ENOSYS':
      return 'pidfd_open/pidfd_getfd need Linux ≥ 5.6';
    default:
      return undefined;
  }
}

function checkInteger(value: unknown, name: string, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`${name} must be an integer, got ${String(value)}`);
  if (value < min || value > 0x7fffffff) throw new RangeError(`${name} must be ${min}–2147483647, got ${value}`);
}

function checkExpectation(expect: unknown): ForeignSocketExpectation {
  if (typeof expect !== 'object' || expect === null) throw new TypeError('expect must be {inode?, cookie?} with at least one');
  const { inode, cookie } = expect as ForeignSocketExpectation;
  if (inode !== undefined && (typeof inode !== 'number' || !Number.isInteger(inode) || inode <= 0)) {
    throw new TypeError(`expect.inode must be a positive integer, got ${String(inode)}`);
  }
  if (cookie !== undefined && (typeof cookie !== 'string' || !/^[0-9a-f]{16}$/i.test(cookie))) {
    throw new TypeError(`expect.cookie must be 16 hex digits, got ${JSON.stringify(cookie)}`);
  }
  if (inode === undefined && cookie === undefined) {
    throw new TypeError('expect needs the socket\'s inode or cookie, so a reused fd number is never mistaken for it');
  }
  return { inode, cookie: cookie?.toLowerCase() };
}
