/**
 * What a reader needs to trust the figures (which build, which machine, how
 * loaded, what else was on the host), and the checks that would otherwise
 * fail minutes into a run: fd limits for the holders, the system file table.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';

import { MAX_PAIRS_PER_HOLDER } from '../holders/fleet.js';

export interface Environment {
  kernel: string;
  node: string;
  cpus: number;
  ss: string;
  /** The network namespace the run is in: the host's, or one `unshare -n` made for it. */
  netns: string;
  /** TCP sockets in this namespace before the holders started: other sessions' share of every dump. */
  socketsBeforeStart: number | null;
  loadAverageAtStart: number[];
  serverRoot: string;
  /** The server build's commit, and how many files differ from it (others' work in progress). */
  serverCommit: string;
  webBuilt: boolean;
  fdLimitPerProcess: number;
  fileMax: number;
}

function git(root: string, args: string[]): string | null {
  const out = spawnSync('git', ['-C', root, ...args], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : null;
}

function describeCommit(root: string): string {
  const sha = git(root, ['rev-parse', '--short', 'HEAD']);
  // An exported tree (git archive) has no .git: its directory name is all it says.
  if (sha === null || git(root, ['rev-parse', '--show-toplevel'])?.replace(/\/?$/, '/') !== root) return `not a git checkout (${root})`;
  const dirty = (git(root, ['status', '--porcelain', '--untracked-files=no']) ?? '').split('\n').filter(Boolean).length;
  return dirty ? `${sha} + ${dirty} modified files` : sha;
}

function softFdLimit(): number {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  return Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1] ?? 0);
}

export function environment(serverRoot: string): Environment {
  let netns = 'unknown';
  try {
    netns = readlinkSync('/proc/self/ns/net');
  } catch {
    // Not readable: socketsBeforeStart still says what else is there.
  }
  const ss = spawnSync('ss', ['-tanH'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return {
    kernel: release(),
    node: process.version,
    cpus: cpus().length,
    ss: spawnSync('ss', ['-V'], { encoding: 'utf8' }).stdout?.trim() ?? 'unknown',
    netns,
    socketsBeforeStart: ss.status === 0 ? ss.stdout.split('\n').filter(Boolean).length : null,
    loadAverageAtStart: loadavg().map((v) => Number(v.toFixed(2))),
    serverRoot,
    serverCommit: describeCommit(serverRoot),
    webBuilt: existsSync(join(serverRoot, 'web/dist/index.html')),
    fdLimitPerProcess: softFdLimit(),
    fileMax: Number(readFileSync('/proc/sys/fs/file-max', 'utf8').trim()),
  };
}

/** Throws, before any holder starts, what would otherwise fail minutes in. */
export function preflight(env: Environment, largestPairs: number): void {
  // Holders are children: they inherit this soft limit. 2 fds per pair, listeners, stdio and Node's own.
  const perHolder = 2 * Math.min(largestPairs, MAX_PAIRS_PER_HOLDER) + 100;
  if (env.fdLimitPerProcess < perHolder) {
    throw new Error(`ulimit -n is ${env.fdLimitPerProcess}; a holder of ${MAX_PAIRS_PER_HOLDER} pairs needs ${perHolder}: raise it (ulimit -n 20000)`);
  }
  const [used] = readFileSync('/proc/sys/fs/file-nr', 'utf8').trim().split(/\s+/).map(Number);
  const needed = 2 * largestPairs + 10_000;
  if ((used ?? 0) + needed > env.fileMax) throw new Error(`fs.file-max is ${env.fileMax} with ${used} open; ${largestPairs} pairs need about ${needed} more`);
  if (!env.webBuilt) console.error(`[scale] ${env.serverRoot}web/dist is not built: the browser rows will show no table (npm run build --workspace web)`);
}
