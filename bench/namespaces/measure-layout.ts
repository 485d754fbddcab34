/**
 * One layout with its holders up. In order:
 *   references  ss -tanoiH and the C dump inside each of its namespaces, before the server exists
 *   start       the real CLI as a child (every namespace, the default)
 *   settle      until it lists every held socket and has read every one's settings once
 *   window      its CPU from /proc/PID/stat, no client connected, RSS sampled each second
 *   after       a few health answers (the sweep's ms), GET /api/namespaces, the RSS high-water mark
 * A phase that fails is recorded with its error and the rest still runs.
 */
import { loadavg } from 'node:os';

import { startCliServer, type CliServer } from '../scale/cli-server.js';
import { readHealth, type HealthSample } from '../scale/health.js';
import { measureCpuWindow, readMemory, type CpuWindow } from '../scale/proc.js';
import { median, round, sleep } from '../server/stats.js';
import type { Layout } from './layout.js';
import type { Options } from './options.js';
import { measureEmptyFloor, measureFloor, measureSs, type Reference } from './reference.js';

export interface LayoutOptions extends Pick<Options, 'windowSec' | 'ssRepeat' | 'settleCapMs' | 'serverRoot'> {
  floorBinary: string;
  log: (line: string) => void;
  /** Told of the server once it runs and (null) once it stopped, so a signal handler can stop it too. */
  onServer: (server: CliServer | null) => void;
}

/** What GET /api/namespaces said about one namespace, as much as the report and a reader need. */
export interface NamespaceSeen {
  label: string;
  sockets: number | null;
  reader: string | null;
  error: string | null;
}

export interface LayoutResult {
  tag: string;
  namespaceCount: number;
  pairsPerNamespace: number;
  /** Sockets the holders hold: 2 per pair. */
  heldSockets: number;
  holders: number;
  loadAverage: { atStart: number[]; atEnd: number[] };
  /** emptyFloor: one dump in an empty namespace beside the layout's (the shared hash walked, no socket of its own). */
  references: { ss: Reference; floor: Reference & { medianDumpMs: number }; emptyFloor: Reference & { medianDumpMs: number } };
  serverStartMs: number | null;
  /** Server spawn → every held socket listed and its settings read once, s; null if not within the cap. */
  settledAfterSec: number | null;
  /** The last health answer of the settle wait: why it did not settle, when it did not. */
  settleLast: { sockets: number | null; unread: number | null; tracked: number | null } | null;
  cpu: CpuWindow | null;
  /** Sockets in the server's table after the window (its own few included). */
  serverSockets: number | null;
  sweep: { intervalMs: number | null; lastSweepMsSamples: number[]; medianLastSweepMs: number | null } | null;
  memory: { windowMaxRssMb: number; peakRssMb: number } | null;
  namespaces: NamespaceSeen[];
  sampling: Record<string, unknown> | null;
  errors: string[];
  serverLog: string[];
}

const loadAverage = (): number[] => loadavg().map((v) => round(v, 2) as number);
const POLL_MS = 1_000;
// Let the catch-up after read-back go by before the steady window starts.
const SETTLE_MS = 3_000;
const SWEEP_SAMPLES = 5;

/** Polls health until the server lists `expected` sockets or more and has read every one it tracks. */
async function waitSettled(base: string, token: string, expected: number, capMs: number): Promise<{ done: boolean; last: HealthSample | null }> {
  const started = performance.now();
  let last: HealthSample | null = null;
  while (performance.now() - started < capMs) {
    try {
      last = await readHealth(base, token);
    } catch {
      // Still starting, or busy with its first sweeps: the cap decides, not one failed poll.
    }
    const rb = last?.readBack;
    if (last && (last.sockets ?? 0) >= expected && rb && rb.tracked > 0 && rb.unread === 0) return { done: true, last };
    await sleep(POLL_MS);
  }
  return { done: false, last };
}

async function readNamespaces(base: string, token: string): Promise<NamespaceSeen[]> {
  const response = await fetch(`${base}/api/namespaces`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`GET /api/namespaces → ${response.status}`);
  const body = (await response.json()) as { namespaces?: Record<string, unknown>[] };
  return (body.namespaces ?? []).map((ns) => {
    const error = ns.error as { code?: string; message?: string } | null | undefined;
    return {
      label: String(ns.label ?? ns.inode),
      sockets: typeof ns.sockets === 'number' ? ns.sockets : null,
      reader: typeof ns.reader === 'string' ? ns.reader : null,
      error: error ? `${error.code ?? '?'}: ${error.message ?? ''}` : null,
    };
  });
}

export async function measureLayout(layout: Layout, options: LayoutOptions): Promise<LayoutResult> {
  const { log } = options;
  const { tag, namespaceCount, pairsPerNamespace } = layout.spec;
  const heldSockets = 2 * pairsPerNamespace * namespaceCount;
  const errors: string[] = [];
  const atStart = loadAverage();
  const ss = measureSs(layout.names, options.ssRepeat);
  const floor = measureFloor(options.floorBinary, layout.names, options.ssRepeat);
  const emptyFloor = measureEmptyFloor(options.floorBinary, options.ssRepeat);
  log(
    `${tag} references: ss -tanoiH ${ss.medianCpuMs} ms CPU per pass (${ss.sockets} sockets), C dump ${floor.medianCpuMs} ms CPU (${floor.sockets} sockets),` +
      ` in an empty namespace beside them ${emptyFloor.medianCpuMs} ms (dump ${emptyFloor.medianDumpMs} ms wall)`,
  );
  const result: LayoutResult = {
    tag,
    namespaceCount,
    pairsPerNamespace,
    heldSockets,
    holders: layout.holders.length,
    loadAverage: { atStart, atEnd: [] },
    references: { ss, floor, emptyFloor },
    serverStartMs: null,
    settledAfterSec: null,
    settleLast: null,
    cpu: null,
    serverSockets: null,
    sweep: null,
    memory: null,
    namespaces: [],
    sampling: null,
    errors,
    serverLog: [],
  };
  const phase = async (name: string, body: () => Promise<void>): Promise<void> => {
    try {
      await body();
    } catch (error) {
      errors.push(`${name}: ${(error as Error).message}`);
      log(`${tag} ${name} FAILED: ${(error as Error).message}`);
    }
  };

  const server = await startCliServer(options.serverRoot);
  options.onServer(server);
  result.serverStartMs = round(server.startMs, 0);
  log(`${tag} server ${server.pid} up in ${server.startMs.toFixed(0)} ms`);
  try {
    await phase('settle', async () => {
      const { done, last } = await waitSettled(server.base, server.token, heldSockets, options.settleCapMs);
      result.settleLast = { sockets: last?.sockets ?? null, unread: last?.readBack?.unread ?? null, tracked: last?.readBack?.tracked ?? null };
      if (!done) throw new Error(`not settled within ${options.settleCapMs / 1000} s: ${JSON.stringify(result.settleLast)} of ${heldSockets} held`);
      result.settledAfterSec = round((performance.now() - server.spawnedAt) / 1000, 1);
      log(`${tag} settled ${result.settledAfterSec} s after start (${last?.sockets} sockets listed)`);
      await sleep(SETTLE_MS);
    });

    await phase('window', async () => {
      let windowMaxRssMb = 0;
      const timer = setInterval(() => {
        try {
          windowMaxRssMb = Math.max(windowMaxRssMb, readMemory(server.pid).rssMb);
        } catch {
          // The server exited: the window's own read fails and says so.
        }
      }, 1000);
      try {
        result.cpu = await measureCpuWindow(server.pid, options.windowSec);
      } finally {
        clearInterval(timer);
      }
      const memory = readMemory(server.pid);
      result.memory = { windowMaxRssMb: round(Math.max(windowMaxRssMb, memory.rssMb), 0) as number, peakRssMb: round(memory.peakRssMb, 0) as number };
      log(`${tag} no client: ${result.cpu.totalMsPerSec.toFixed(1)} ms CPU/s (per second: ${result.cpu.perSecondMs.map((ms) => ms.toFixed(0)).join(' ')}), RSS ≤ ${result.memory.windowMaxRssMb} MB`);
    });

    await phase('after', async () => {
      // One answer per second: with a sweep every few seconds some repeat, which the median shrugs off.
      const samples: HealthSample[] = [];
      for (let i = 0; i < SWEEP_SAMPLES; i++) {
        samples.push(await readHealth(server.base, server.token));
        await sleep(POLL_MS);
      }
      const last = samples.at(-1) as HealthSample;
      const sweeps = samples.map((s) => s.lastSweepMs).filter((ms): ms is number => ms !== null);
      result.serverSockets = last.sockets;
      result.sampling = last.sampling;
      result.sweep = { intervalMs: last.sweepIntervalMs, lastSweepMsSamples: sweeps.map((ms) => round(ms, 1) as number), medianLastSweepMs: round(median(sweeps), 1) };
      result.namespaces = await readNamespaces(server.base, server.token);
      const unread = result.namespaces.filter((ns) => ns.error !== null);
      log(`${tag} sweep every ${last.sweepIntervalMs} ms, last took ${result.sweep.medianLastSweepMs} ms (median); ${result.namespaces.length} namespaces listed, ${unread.length} with an error`);
    });
  } finally {
    await server.stop();
    options.onServer(null);
    result.serverLog = server.log;
    result.loadAverage.atEnd = loadAverage();
  }
  return result;
}
