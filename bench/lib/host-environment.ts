/**
 * The host facts every load benchmark prints beside its figures: which
 * kernel, Node and ss, how many cores, and what else shares the network
 * namespace (other sessions' sockets are in every host-wide dump).
 */
import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { cpus, release } from 'node:os';

export interface HostEnvironment {
  kernel: string;
  node: string;
  cpus: number;
  ss: string;
  /** This process's network namespace: the host's, or under `unshare -n` a fresh one, empty but for this run's sockets. */
  netns: string;
  /** TCP sockets in that namespace before any holder started: other sessions' share of every dump. */
  socketsBeforeStart: number | null;
}

export function hostEnvironment(): HostEnvironment {
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
  };
}
