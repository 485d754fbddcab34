/**
 * Which pid/fd holds which socket inode, from the `socket:[inode]` links in
 * <procRoot>/<pid>/fd, walked in C++ on the libuv pool: the JS thread only
 * receives one Float64Array. Order is readdirSync's (names in strcmp order),
 * so a caller that used to walk /proc itself gets its holders in the same order.
 */
import type { RawAddon } from './native.js';

export interface ProcSocketScanOptions {
  /** Where procfs is mounted; default /proc. */
  procRoot?: string;
  /** Only these pids, in this order; default every numeric entry of procRoot. */
  pids?: readonly number[];
}

export interface ProcSocketScan {
  /**
   * Every socket fd found, SOCKET_FD_WORDS numbers each: pid, fd, inode.
   * Grouped by pid (pids in scan order), a pid's fds in strcmp order of their names.
   */
  sockets: Float64Array;
  /** /proc/<pid>/comm (no newline; '' when unreadable) of each pid that holds a socket. */
  comms: ReadonlyMap<number, string>;
  /** Processes whose fds were listed, or that exited meanwhile (ENOENT). */
  scannedPids: number;
  /** Processes whose fds we may not list (EACCES). */
  deniedPids: number;
}

/** Numbers per socket fd in ProcSocketScan.sockets. */
export const SOCKET_FD_WORDS = 3;

const PID_MAX = 0x7fffffff;

export async function scanProcSocketsWith(
  raw: () => NonNullable<RawAddon['scanProcSocketsAsync']>,
  options: ProcSocketScanOptions = {},
): Promise<ProcSocketScan> {
  const procRoot = options.procRoot ?? '/proc';
  if (typeof procRoot !== 'string' || procRoot === '' || procRoot.includes('\0')) {
    throw new TypeError(`procRoot must be a non-empty path without NUL, got ${JSON.stringify(procRoot)}`);
  }
  let pids: number[] | null = null;
  if (options.pids !== undefined) {
    if (!Array.isArray(options.pids)) throw new TypeError('pids must be an array of process ids');
    pids = options.pids.map((pid: unknown, i) => {
      if (typeof pid !== 'number' || !Number.isInteger(pid) || pid < 1 || pid > PID_MAX) {
        throw new RangeError(`pids[${i}] must be 1–${PID_MAX}, got ${String(pid)}`);
      }
      return pid;
    });
  }
  const answer = await raw()(procRoot, pids);
  const comms = new Map<number, string>();
  answer.comms.forEach((comm, i) => comms.set(answer.commPids[i] as number, comm));
  return { sockets: answer.sockets, comms, scannedPids: answer.scannedPids, deniedPids: answer.deniedPids };
}
