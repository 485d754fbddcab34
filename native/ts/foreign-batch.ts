/**
 * Keepalive settings of many sockets of one process in one native call: one
 * pidfd_open, then per socket pidfd_getfd, the inode check, the getsockopts
 * and the close. Same options, same decoding and same error messages as
 * getForeignKeepalive, so a batch and a single read agree.
 */
import { codeOf, explain } from './explain.js';
import { getfdMessage } from './foreign.js';
import type { RawAddon } from './native.js';
import type { KeepaliveSettings } from './validate.js';

export interface ForeignBatchItem {
  fd: number;
  /** The `socket:[inode]` the caller means: a reused fd number answers ESTALE. */
  inode: number;
}

export type ForeignBatchResult = { settings: KeepaliveSettings } | { error: { code: string; message: string } };

const SETTINGS_PER_ITEM = 5;

export function readForeignKeepaliveBatchWith(
  raw: () => NonNullable<RawAddon['foreignKeepaliveBatch']>,
  pid: number,
  items: readonly ForeignBatchItem[],
): ForeignBatchResult[] {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid < 1 || pid > 0x7fffffff) {
    throw new RangeError(`pid must be 1–2147483647, got ${String(pid)}`);
  }
  if (!Array.isArray(items)) throw new TypeError('items must be an array of {fd, inode}');
  const fds = new Int32Array(items.length);
  const inodes = new Float64Array(items.length);
  items.forEach((item, i) => {
    const { fd, inode } = (item ?? {}) as Partial<ForeignBatchItem>;
    if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) {
      throw new RangeError(`items[${i}].fd must be 0–2147483647, got ${String(fd)}`);
    }
    if (typeof inode !== 'number' || !Number.isSafeInteger(inode) || inode <= 0) {
      throw new TypeError(`items[${i}].inode must be a positive integer, got ${String(inode)}`);
    }
    fds[i] = fd;
    inodes[i] = inode;
  });
  let answer;
  try {
    answer = raw()(pid, fds, inodes);
  } catch (error) {
    throw explain(error, processMessage(codeOf(error), pid) ?? (error as Error).message);
  }
  const { settings, codes, syscalls } = answer;
  return items.map((item, i): ForeignBatchResult => {
    const code = codes[i] ?? '';
    if (code === '') {
      const at = i * SETTINGS_PER_ITEM;
      return {
        settings: {
          enabled: settings[at] === 1,
          idleSec: settings[at + 1] as number,
          intervalSec: settings[at + 2] as number,
          count: settings[at + 3] as number,
          userTimeoutMs: settings[at + 4] as number,
        },
      };
    }
    return { error: { code, message: itemMessage(code, syscalls[i] ?? '', pid, item) } };
  });
}

/** The whole batch failed: the process, not one of its fds. */
function processMessage(code: string | undefined, pid: number): string | undefined {
  if (code === 'EPERM') {
    return `not permitted to take fds from process ${pid}: pidfd_getfd needs CAP_SYS_PTRACE or the same uid as the target`;
  }
  // These say nothing of an fd: the same text as a single read's.
  return code === 'ESRCH' || code === 'EINVAL' || code === 'ENOSYS' ? getfdMessage(code, pid, 0) : undefined;
}

function itemMessage(code: string, syscall: string, pid: number, { fd, inode }: ForeignBatchItem): string {
  if (syscall === 'pidfd_getfd') return getfdMessage(code, pid, fd) ?? `${syscall} failed: ${code}`;
  if (code === 'ENOTSOCK') return `process ${pid} fd ${fd} is not a socket`;
  if (code === 'ESTALE') {
    return `process ${pid} fd ${fd} is not socket inode ${inode}: the fd was closed and reused, or belongs to another socket`;
  }
  return `process ${pid} fd ${fd}: ${syscall} failed: ${code}`;
}
