/**
 * The C floor: bench/c/diag_dump.c, compiled at bench time (no build step,
 * no committed binary) and spawned once per sample.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const SOURCE = new URL('./diag_dump.c', import.meta.url).pathname;

export interface FloorSample {
  sockets: number;
  withInfo: number;
  /** socket() to the last NLMSG_DONE, timed inside the C process. */
  dumpMs: number;
  /** fork/exec/exit included, timed from here. */
  spawnMs: number;
}

/** Compiles diag_dump.c into outDir; returns the binary's path or throws with cc's message. */
export function buildFloor(outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  const binary = join(outDir, 'diag_dump');
  const cc = spawnSync('cc', ['-O2', '-Wall', '-Wextra', '-o', binary, SOURCE], { encoding: 'utf8' });
  if (cc.error) throw new Error(`cc: ${cc.error.message}`);
  if (cc.status !== 0) throw new Error(`cc exited ${cc.status}: ${cc.stderr.trim()}`);
  return binary;
}

export function runFloor(binary: string): FloorSample {
  const started = performance.now();
  const child = spawnSync(binary, [], { encoding: 'utf8', timeout: 120_000 });
  const spawnMs = performance.now() - started;
  if (child.error) throw child.error;
  if (child.status !== 0) throw new Error(`diag_dump exited ${child.status}: ${child.stderr.trim()}`);
  const out = JSON.parse(child.stdout) as { sockets: number; withInfo: number; dumpNs: number };
  return { sockets: out.sockets, withInfo: out.withInfo, dumpMs: out.dumpNs / 1e6, spawnMs };
}
