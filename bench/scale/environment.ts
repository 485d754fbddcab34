/**
 * What a reader needs to trust the figures (which build, which machine, how
 * loaded, what else was on the host), and the checks that would otherwise
 * fail minutes into a run: fd limits for the holders, the system file table.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';

import { MAX_PAIRS_PER_HOLDER } from '../holders/fleet.js';
import { hostEnvironment, type HostEnvironment } from '../lib/host-environment.js';

export interface Environment extends HostEnvironment {
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
  return {
    ...hostEnvironment(),
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
