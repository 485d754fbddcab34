/**
 * keepalive-dashboard's native layer: tcp_info and keepalive options on a
 * socket this process holds or (pidfd_getfd) another process holds, the
 * inet_diag dump (whole, or diffed against the last sweep), exact lookups by
 * 4-tuple and cookie, batched foreign reads, SOCK_DESTROY, and the /proc walk
 * that maps socket inodes to the pids/fds holding them. The dump, lookups and
 * SOCK_DESTROY work in any network namespace (a NetnsTarget; our own without
 * one), as does opening a namespace's sysctl file, and this process's threads
 * never leave their namespace for it (see netns.ts); so do capturing TCP
 * headers on an interface (AF_PACKET + cBPF) and reading a namespace's
 * /proc/net/netstat. Linux only; elsewhere
 * every call throws ENOTSUP.
 */
import { destroySocketWith, type DestroyTarget } from './destroy.js';
import { TcpSocketTable } from './diag.js';
import { TcpSocketDiffer } from './diag-changes.js';
import { lookupTcpSocketsWith, type DiagKey, type TcpLookupResult } from './diag-lookup.js';
import { systemError } from './errors.js';
import { fdOf, type SocketTarget } from './fd.js';
import { withForeignSocketWith, type ForeignRaw, type ForeignSocketExpectation } from './foreign.js';
import { readForeignKeepaliveBatchWith, type ForeignBatchItem, type ForeignBatchResult } from './foreign-batch.js';
import { loadAddon, throwingAddon } from './loader.js';
import type { RawAddon } from './native.js';
import { openPacketCaptureWith, readNetstatWith, type PacketCapture, type PacketCaptureOptions } from './packet-capture.js';
import { checkSysctlFile, inNetns, inNetnsAsync, netnsArgs, type NetnsTarget } from './netns.js';
import { scanProcSocketsWith, type ProcSocketScan, type ProcSocketScanOptions } from './proc-sockets.js';
import { nameTcpInfo, type TcpInfo } from './tcp-info.js';
import { validateKeepalive, type KeepaliveSettings } from './validate.js';

export { fdOf, type SocketTarget } from './fd.js';
export { isSystemError, systemError, type SystemError } from './errors.js';
export { defaultAddonPaths, loadAddon, type RequireFn } from './loader.js';
export { CA_STATE_NAMES, TCP_STATE_NAMES, type TcpInfo } from './tcp-info.js';
export { KEEPALIVE_BOUNDS, validateKeepalive, type KeepaliveNumberField, type KeepaliveSettings } from './validate.js';
export {
  DIAG_TIMER_KINDS,
  TcpSocketTable,
  type DiagEndpoint,
  type DiagSocket,
  type DiagTcpInfo,
  type DiagTimer,
  type DiagTimerKind,
  type TcpStateName,
} from './diag.js';
export { TcpSocketDiffer, type TcpSocketChanges } from './diag-changes.js';
export { isNetnsEntryError, type NetnsTarget } from './netns.js';
export type { DiagKey, TcpLookupResult } from './diag-lookup.js';
export type { DestroyTarget } from './destroy.js';
export type { ForeignSocketExpectation } from './foreign.js';
export type { ForeignBatchItem, ForeignBatchResult } from './foreign-batch.js';
export {
  PACKET_CAPTURE_MAX_PORTS,
  PacketCapture,
  parseTcpSegment,
  type PacketBatch,
  type PacketCaptureOptions,
  type SegmentDirection,
  type TcpFlags,
  type TcpSegment,
} from './packet-capture.js';
export { SOCKET_FD_WORDS, type ProcSocketScan, type ProcSocketScanOptions } from './proc-sockets.js';
export type { RawDiagChanges, RawDiagLookup, RawDiagObject, RawDiagTable, RawProcSockets, RawSocketIdentity } from './native.js';

export interface NativeApi {
  /** The kernel's struct tcp_info for the socket. */
  getTcpInfo(target: SocketTarget): TcpInfo;
  /** SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT and TCP_USER_TIMEOUT as the kernel reports them. */
  getKeepalive(target: SocketTarget): KeepaliveSettings;
  /** Applies only the fields given; validates first (RangeError/TypeError naming the bound). */
  setKeepalive(target: SocketTarget, partial: Partial<KeepaliveSettings>): void;

  /**
   * Every TCP socket (IPv4 and IPv6, every state) of one network namespace,
   * `netns` or ours, from one inet_diag dump; blocks while it runs.
   *
   * Every call that takes a `netns` fails, before anything else, with ENOENT
   * when the namespace is gone (treat it as vanished), ESTALE when its file
   * names another namespace now, EINVAL when it is not a network namespace,
   * EPERM (entering it needs CAP_SYS_ADMIN); isNetnsEntryError() tells these apart.
   */
  dumpTcpSockets(netns?: NetnsTarget): TcpSocketTable;
  /** The same dump with the netlink round trips (and the entering) on the libuv thread pool. */
  dumpTcpSocketsAsync(netns?: NetnsTarget): Promise<TcpSocketTable>;
  /**
   * A differ over the same dump: each sweep hands over only the rows new or
   * changed since the last one it reported, and the cookies gone (see
   * TcpSocketDiffer). Every sweep dumps `netns` (or ours), entering it afresh:
   * the differ holds nothing that keeps the namespace alive.
   */
  createTcpSocketDiffer(netns?: NetnsTarget): TcpSocketDiffer;
  /**
   * One non-dump SOCK_DIAG_BY_FAMILY request per key (batched into few sendmsg
   * calls), INET_DIAG_INFO included. found: the sockets that answered (row
   * order unspecified; match by cookie); missing: indexes into keys answered
   * ENOENT (no such socket) or ESTALE (4-tuple reused by another cookie),
   * all asked in `netns` (or ours).
   */
  lookupTcpSocketsAsync(keys: readonly DiagKey[], netns?: NetnsTarget): Promise<TcpLookupResult>;
  /**
   * Aborts a TCP socket of `netns` (or ours) as `ss -K` does; needs
   * CAP_NET_ADMIN there. See DestroyTarget.
   */
  destroySocket(target: DestroyTarget, netns?: NetnsTarget): void;
  /**
   * An fd of `file`, a namespace sysctl (an absolute path under
   * /proc/sys/net/, TypeError otherwise), opened inside `netns`: reads and
   * writes through it are that namespace's values. O_CLOEXEC | O_NOFOLLOW,
   * read-only for 'r', write-only for 'w'; the caller closes it (fs.closeSync).
   */
  openFileInNetns(netns: NetnsTarget, file: string, mode: 'r' | 'w'): number;

  /**
   * Runs `fn` (synchronous) on a duplicate of process `pid`'s fd `fd`, checked
   * to be the expected socket (ESTALE otherwise) and closed when `fn` returns.
   * Needs CAP_SYS_PTRACE or the same uid (EPERM); ESRCH, EBADF, ENOTSOCK otherwise.
   */
  withForeignSocket<T>(pid: number, fd: number, expect: ForeignSocketExpectation, fn: (dupFd: number) => T): T;
  getForeignKeepalive(pid: number, fd: number, expect: ForeignSocketExpectation): KeepaliveSettings;
  /** Validates first, then applies only the fields given; returns the settings before and after (read back). */
  setForeignKeepalive(
    pid: number,
    fd: number,
    expect: ForeignSocketExpectation,
    partial: Partial<KeepaliveSettings>,
  ): { before: KeepaliveSettings; after: KeepaliveSettings };
  getForeignTcpInfo(pid: number, fd: number, expect: ForeignSocketExpectation): TcpInfo;
  /**
   * One pidfd_open(pid), then for each item pidfd_getfd + inode check (ESTALE
   * on mismatch) + the keepalive getsockopts + close; results in item order.
   * Throws (code ESRCH / EPERM …) only when the process itself can't be
   * reached; per-socket failures (EBADF, ESTALE, ENOTSOCK, …) are per-item errors.
   */
  readForeignKeepaliveBatch(pid: number, items: readonly ForeignBatchItem[]): ForeignBatchResult[];

  /**
   * Takes an exclusive flock(2) on an open file without waiting. The lock
   * belongs to this open file description: another open of the same file,
   * in this process or any other, is refused with EAGAIN (= EWOULDBLOCK)
   * until it is closed or its process dies. Released by closing the fd.
   */
  lockFileExclusive(fd: number): void;

  /**
   * Every socket fd of every process (or of `pids`): readdir + readlinkat of
   * <procRoot>/<pid>/fd on the libuv pool. A process that exits meanwhile is
   * skipped; one whose fds we may not list counts in deniedPids. Rejects
   * (code ENOENT, EACCES…) only when procRoot itself can't be listed.
   */
  scanProcSocketsAsync(options?: ProcSocketScanOptions): Promise<ProcSocketScan>;

  /**
   * Captures TCP segment headers on one interface of `options.netns` (or
   * ours): only IPv4/IPv6 TCP with a port in `options.ports` is let through,
   * by a classic BPF filter in the kernel. Non-blocking: read() returns what
   * is queued. Needs CAP_NET_RAW: EPERM (syscall 'socket(AF_PACKET)') without;
   * ENODEV for no such ifindex there. The caller closes it.
   */
  openPacketCapture(options: PacketCaptureOptions): PacketCapture;
  /** /proc/net/netstat (TcpExt, IpExt… counters) of `netns` (or ours), read from a file opened inside it. */
  readNetstat(netns?: NetnsTarget): string;
}

export interface NativeOptions {
  /** Defaults to process.platform; injectable so the non-Linux path is testable on Linux. */
  platform?: NodeJS.Platform;
  /** Defaults to loading the built addon. */
  load?: () => RawAddon;
}

/** Builds the API over an addon; the addon is loaded on first use, so importing never throws. */
export function createNative(options: NativeOptions = {}): NativeApi {
  const platform = options.platform ?? process.platform;
  let addon: RawAddon | undefined;
  let failure: Error | undefined;
  const raw = (): RawAddon => {
    if (addon) return addon;
    if (platform !== 'linux') {
      // macOS could follow with TCP_KEEPALIVE (0x10), TCP_KEEPINTVL (0x101) and
      // TCP_KEEPCNT (0x102); Windows with WSAIoctl(SIO_KEEPALIVE_VALS).
      failure = systemError('ENOTSUP', `keepalive-dashboard's native layer supports Linux only, not ${platform}`);
      addon = throwingAddon(failure);
    } else {
      try {
        addon = (options.load ?? loadAddon)();
      } catch (error) {
        failure = error as Error;
        addon = throwingAddon(failure);
      }
    }
    return addon;
  };
  type Optional = Exclude<keyof RawAddon, 'getTcpInfo' | 'getKeepalive' | 'setKeepalive'>;
  /** A function newer than the first three: the load failure if there was one, else a stale-build error. */
  const need = <K extends Optional>(name: K): NonNullable<RawAddon[K]> => {
    const fn = raw()[name];
    if (fn) return fn as NonNullable<RawAddon[K]>;
    throw (
      failure ??
      systemError('ERR_ADDON_STALE', `the native addon predates ${name}(): rebuild it with \`npm run build --workspace native\``)
    );
  };
  const foreign = (): ForeignRaw => ({ pidfdGetfd: need('pidfdGetfd'), closeFd: need('closeFd'), socketIdentity: need('socketIdentity') });
  const api: NativeApi = {
    getTcpInfo: (target) => nameTcpInfo(raw().getTcpInfo(fdOf(target))),
    getKeepalive: (target) => raw().getKeepalive(fdOf(target)),
    setKeepalive(target, partial) {
      const change = validateKeepalive(partial);
      const fd = fdOf(target);
      const skip = (value: number | undefined): number => value ?? -1;
      raw().setKeepalive(
        fd,
        change.enabled === undefined ? -1 : Number(change.enabled),
        skip(change.idleSec),
        skip(change.intervalSec),
        skip(change.count),
        skip(change.userTimeoutMs),
      );
    },
    dumpTcpSockets(netns) {
      const where = netnsArgs(netns);
      return new TcpSocketTable(inNetns(netns, () => need('tcpDiagDump')(...where)));
    },
    async dumpTcpSocketsAsync(netns) {
      const where = netnsArgs(netns);
      return new TcpSocketTable(await inNetnsAsync(netns, () => need('tcpDiagDumpAsync')(...where)));
    },
    createTcpSocketDiffer(netns) {
      const where = netnsArgs(netns);
      const sweep = need('tcpDiffSweepAsync');
      return new TcpSocketDiffer({
        create: () => need('tcpDiffCreate')(...where),
        sweep: (differ, toleranceMs, reset) => inNetnsAsync(netns, () => sweep(differ, toleranceMs, reset)),
        close: need('tcpDiffClose'),
      });
    },
    lookupTcpSocketsAsync: (keys, netns) => lookupTcpSocketsWith(() => need('tcpDiagLookupAsync'), keys, netns),
    destroySocket: (target, netns) => destroySocketWith(() => need('diagDestroy'), target, netns),
    openFileInNetns(netns, file, mode) {
      const [path, inode] = netnsArgs(netns);
      if (path === undefined || inode === undefined) throw new TypeError('openFileInNetns needs a netns {path, inode}');
      checkSysctlFile(file, mode);
      return inNetns(netns, () => need('netnsOpenFile')(path, inode, file, mode));
    },
    withForeignSocket: (pid, fd, expect, fn) => withForeignSocketWith(foreign, pid, fd, expect, fn),
    getForeignKeepalive: (pid, fd, expect) => api.withForeignSocket(pid, fd, expect, (dup) => api.getKeepalive(dup)),
    setForeignKeepalive(pid, fd, expect, partial) {
      validateKeepalive(partial);
      return api.withForeignSocket(pid, fd, expect, (dup) => {
        const before = api.getKeepalive(dup);
        api.setKeepalive(dup, partial);
        return { before, after: api.getKeepalive(dup) };
      });
    },
    getForeignTcpInfo: (pid, fd, expect) => api.withForeignSocket(pid, fd, expect, (dup) => api.getTcpInfo(dup)),
    readForeignKeepaliveBatch: (pid, items) => readForeignKeepaliveBatchWith(() => need('foreignKeepaliveBatch'), pid, items),
    lockFileExclusive(fd) {
      if (!Number.isInteger(fd) || fd < 0) throw new TypeError(`fd must be a non-negative integer, got ${String(fd)}`);
      need('flockExclusive')(fd);
    },
    scanProcSocketsAsync: (options) => scanProcSocketsWith(() => need('scanProcSocketsAsync'), options),
    openPacketCapture: (options) =>
      openPacketCaptureWith(() => ({ packetOpen: need('packetOpen'), packetRead: need('packetRead'), closeFd: need('closeFd') }), options),
    readNetstat: (netns) => readNetstatWith(() => ({ netnsOpenNetstat: need('netnsOpenNetstat') }), netns),
  };
  return api;
}

const native = createNative();

export const getTcpInfo = native.getTcpInfo;
export const getKeepalive = native.getKeepalive;
export const setKeepalive = native.setKeepalive;
export const dumpTcpSockets = native.dumpTcpSockets;
export const dumpTcpSocketsAsync = native.dumpTcpSocketsAsync;
export const createTcpSocketDiffer = native.createTcpSocketDiffer;
export const lookupTcpSocketsAsync = native.lookupTcpSocketsAsync;
export const destroySocket = native.destroySocket;
export const openFileInNetns = native.openFileInNetns;
export const withForeignSocket = native.withForeignSocket;
export const getForeignKeepalive = native.getForeignKeepalive;
export const setForeignKeepalive = native.setForeignKeepalive;
export const getForeignTcpInfo = native.getForeignTcpInfo;
export const readForeignKeepaliveBatch = native.readForeignKeepaliveBatch;
export const lockFileExclusive = native.lockFileExclusive;
export const scanProcSocketsAsync = native.scanProcSocketsAsync;
export const openPacketCapture = native.openPacketCapture;
export const readNetstat = native.readNetstat;
