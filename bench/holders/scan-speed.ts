/**
 * Process attribution's /proc walk, JavaScript loop vs the addon's, over a
 * host holding --pairs idle loopback pairs (2 socket fds each, ≤ 9,000 pairs
 * per holder process):
 *
 *   node --import tsx bench/holders/scan-speed.ts --pairs 40000 --runs 5
 *
 * Prints, per walk, the median wall ms of a whole-host scan and the longest
 * the event loop went without running a 5 ms timer during one (what the
 * server's other work waited).
 */
import { parseArgs } from 'node:util';

import { scanSocketHoldersDetailed, type ScanOptions } from '@keepalive-dashboard/server/processes/scan';

import { positiveInt } from '../lib/options.js';
import { HolderFleet } from './fleet.js';

const { values } = parseArgs({ options: { pairs: { type: 'string', default: '40000' }, runs: { type: 'string', default: '5' } } });
const pairs = positiveInt('pairs', values.pairs);
const runs = positiveInt('runs', values.runs);

const TICK_MS = 5;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

interface Run {
  wallMs: number;
  stallMs: number;
  sockets: number;
}

async function timeScan(engine: NonNullable<ScanOptions['engine']>): Promise<Run> {
  let last = performance.now();
  let stallMs = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, TICK_MS);
  try {
    const scan = await scanSocketHoldersDetailed({ engine });
    stallMs = Math.max(stallMs, performance.now() - last);
    return { wallMs: scan.durationMs, stallMs, sockets: scan.holders.size };
  } finally {
    clearInterval(tick);
  }
}

const fleet = new HolderFleet();
process.once('exit', () => fleet.killNow());
try {
  const started = performance.now();
  await fleet.growTo(pairs);
  console.log(`${fleet.pairs} pairs in ${fleet.holders.length} holder processes, ready in ${Math.round(performance.now() - started)} ms`);
  const results: Record<string, Run[]> = { javascript: [], native: [] };
  await timeScan('native'); // warm-up: dentry caches, the addon's load
  for (let i = 0; i < runs; i++) {
    for (const engine of ['javascript', 'native'] as const) results[engine]?.push(await timeScan(engine));
  }
  for (const [engine, list] of Object.entries(results)) {
    const wall = median(list.map((r) => r.wallMs));
    const stall = median(list.map((r) => r.stallMs));
    const sockets = median(list.map((r) => r.sockets));
    console.log(`${engine.padEnd(10)}  scan ${wall.toFixed(0).padStart(5)} ms  longest event-loop stall ${stall.toFixed(0).padStart(4)} ms  inodes held ${sockets}  (median of ${runs})`);
  }
} finally {
  await fleet.stop();
}
