/**
 * Process attribution: which processes hold which socket inode, from the
 * `socket:[inode]` links in /proc/<pid>/fd. One pass over every fd on the
 * host, so it is linear in fds — unlike `ss -p` and `netstat -p`, which are
 * quadratic (they rescan per socket) and take seconds at 100k sockets.
 *
 * The walk runs in the native addon (scanProcSocketsAsync: readdir +
 * readlinkat on the libuv pool) when it has it; the JavaScript loop below is
 * the fallback for an addon that is missing or predates it, and gives the
 * same holders in the same order. At 100k socket fds the JavaScript loop
 * costs ~1–1.5 s of the main thread (see bench/holders/scan-speed.ts).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

import { isSystemError, scanProcSocketsAsync, SOCKET_FD_WORDS } from '@keepalive-dashboard/native';

export interface SocketHolder {
  pid: number;
  fd: number;
  /** /proc/<pid>/comm: the kernel's 15-character command name. */
  comm: string;
}

export interface HolderScan {
  holders: Map<number, SocketHolder[]>;
  /** Processes whose fds were listed. */
  scannedPids: number;
  /** Processes whose fds we may not list (EACCES: not root and not the same uid). */
  deniedPids: number;
  durationMs: number;
}

export interface ScanOptions {
  /** Where procfs is mounted; a test may point elsewhere. */
  procRoot?: string;
  /** Only these pids (an on-demand refresh of one connection's known holders). */
  pids?: readonly number[];
  /** Which walk: default the addon's when it has one. The bench and the tests compare the two. */
  engine?: 'native' | 'javascript';
}

type HolderCounts = Omit<HolderScan, 'durationMs'>;

const SOCKET_LINK = /^socket:\[(\d+)\]$/;
// Yield to the event loop every so many processes so the server stays responsive.
const PIDS_PER_SLICE = 64;

function listPids(procRoot: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync(procRoot)) {
    const code = name.charCodeAt(0);
    if (code >= 48 && code <= 57) pids.push(Number(name));
  }
  return pids;
}

function readComm(procRoot: string, pid: number): string {
  try {
    return readFileSync(join(procRoot, String(pid), 'comm'), 'utf8').replace(/\n$/, '');
  } catch {
    return '';
  }
}

// …and within one process every so many fds: a holder of 18k sockets is 18k readlinks.
const FDS_PER_SLICE = 2000;
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Adds pid's socket fds to `holders`; returns false when the fds may not be listed. */
async function scanPid(procRoot: string, pid: number, holders: Map<number, SocketHolder[]>): Promise<boolean> {
  const fdDir = join(procRoot, String(pid), 'fd');
  let fds: string[];
  try {
    fds = readdirSync(fdDir);
  } catch (error) {
    // ENOENT: the process exited meanwhile; EACCES: not ours to see.
    return (error as NodeJS.ErrnoException).code !== 'EACCES';
  }
  let comm: string | undefined;
  let seen = 0;
  for (const fdName of fds) {
    if (++seen % FDS_PER_SLICE === 0) await yieldToLoop();
    let link: string;
    try {
      link = readlinkSync(join(fdDir, fdName));
    } catch {
      continue; // closed between readdir and readlink
    }
    if (link.charCodeAt(0) !== 115 /* s */) continue;
    const m = SOCKET_LINK.exec(link);
    if (!m) continue;
    const inode = Number(m[1]);
    comm ??= readComm(procRoot, pid);
    const holder = { pid, fd: Number(fdName), comm };
    const list = holders.get(inode);
    if (list) list.push(holder);
    else holders.set(inode, [holder]);
  }
  return true;
}

async function scanJavaScript(procRoot: string, only: readonly number[] | undefined): Promise<HolderCounts> {
  const pids = only ? [...only] : listPids(procRoot);
  const holders = new Map<number, SocketHolder[]>();
  let deniedPids = 0;
  for (let i = 0; i < pids.length; i++) {
    if (!(await scanPid(procRoot, pids[i] as number, holders))) deniedPids++;
    if (i % PIDS_PER_SLICE === PIDS_PER_SLICE - 1) await yieldToLoop();
  }
  return { holders, scannedPids: pids.length - deniedPids, deniedPids };
}

async function scanNative(procRoot: string, pids: readonly number[] | undefined): Promise<HolderCounts> {
  const scan = await scanProcSocketsAsync({ procRoot, pids });
  const holders = new Map<number, SocketHolder[]>();
  const words = scan.sockets;
  for (let i = 0; i < words.length; i += SOCKET_FD_WORDS) {
    const pid = words[i] as number;
    const inode = words[i + 2] as number;
    const holder = { pid, fd: words[i + 1] as number, comm: scan.comms.get(pid) ?? '' };
    const list = holders.get(inode);
    if (list) list.push(holder);
    else holders.set(inode, [holder]);
  }
  return { holders, scannedPids: scan.scannedPids, deniedPids: scan.deniedPids };
}

// What the native layer throws when the addon can't do the walk: not built, a build from before it, not Linux.
const NO_NATIVE_SCAN = new Set(['ERR_ADDON_NOT_FOUND', 'ERR_ADDON_STALE', 'ENOTSUP']);
let nativeScanMissing = false;

/** Scans every process (or `options.pids`) and maps socket inode → holders. */
export async function scanSocketHoldersDetailed(options: ScanOptions = {}): Promise<HolderScan> {
  const started = performance.now();
  const procRoot = options.procRoot ?? '/proc';
  const engine = options.engine ?? (nativeScanMissing ? 'javascript' : 'native');
  let counts: HolderCounts;
  if (engine === 'javascript') {
    counts = await scanJavaScript(procRoot, options.pids);
  } else {
    try {
      counts = await scanNative(procRoot, options.pids);
    } catch (error) {
      if (options.engine === 'native' || !isSystemError(error) || !NO_NATIVE_SCAN.has(error.code)) throw error;
      nativeScanMissing = true;
      counts = await scanJavaScript(procRoot, options.pids);
    }
  }
  return { ...counts, durationMs: performance.now() - started };
}

export async function scanSocketHolders(options: ScanOptions = {}): Promise<Map<number, SocketHolder[]>> {
  return (await scanSocketHoldersDetailed(options)).holders;
}
