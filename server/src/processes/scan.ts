/**
 * Process attribution: which processes hold which socket inode, from the
 * `socket:[inode]` links in /proc/<pid>/fd. One pass over every fd on the
 * host, so it is linear in fds — unlike `ss -p` and `netstat -p`, which are
 * quadratic (they rescan per socket) and take seconds at 100k sockets.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

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
}

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

/** Scans every process (or `options.pids`) and maps socket inode → holders. */
export async function scanSocketHoldersDetailed(options: ScanOptions = {}): Promise<HolderScan> {
  const started = performance.now();
  const procRoot = options.procRoot ?? '/proc';
  const pids = options.pids ? [...options.pids] : listPids(procRoot);
  const holders = new Map<number, SocketHolder[]>();
  let deniedPids = 0;
  for (let i = 0; i < pids.length; i++) {
    if (!(await scanPid(procRoot, pids[i] as number, holders))) deniedPids++;
    if (i % PIDS_PER_SLICE === PIDS_PER_SLICE - 1) await yieldToLoop();
  }
  return { holders, scannedPids: pids.length - deniedPids, deniedPids, durationMs: performance.now() - started };
}

export async function scanSocketHolders(options: ScanOptions = {}): Promise<Map<number, SocketHolder[]>> {
  return (await scanSocketHoldersDetailed(options)).holders;
}
