/**
 * One size of the scale benchmark, with the holders already up. In order:
 *   references  ss -tanoiH and the C floor, before the server exists (nothing competes)
 *   start       the real CLI as a child; read-back progress polled from /api/health
 *   no client   the server's CPU over the window, once read-back is done
 *   raw client  one unfiltered stream client: snapshot, then bytes/s while nothing changes
 *   browser     a new Chromium: bytes in its first 5 s, time to a table row, then the CPU window
 *   retune      two raw clients; PATCH foreign keepalive-on sockets; latency to both streams
 * Memory is the kernel's high-water mark of the server's RSS over all of it.
 * A phase that fails is recorded with its error and the next one still runs.
 */
import { loadavg } from 'node:os';

import { Api } from '../server/api.js';
import { measureIdleStream } from '../server/idle-stream.js';
import { round, sleep } from '../server/stats.js';
import type { FrameReport } from '../server/stream-messages.js';
import { StreamProbe } from '../server/stream-probe.js';
import { startCliServer } from './cli-server.js';
import { openFirstBrowser } from './first-browser.js';
import { readHealth, waitForReadBack, type HealthSample } from './health.js';
import type { Options } from './options.js';
import { measureCpuWindow, readMemory, type CpuWindow } from './proc.js';
import { measureReferences, type References } from './reference.js';
import { measureRetune, pickForeignTargets, type RetuneResult } from './retune.js';

/** The command line's figures for one size, and what the run set up for it. */
export interface SizeOptions extends Pick<Options, 'windowSec' | 'patches' | 'ssRepeat' | 'readBackCapMs' | 'warmupSec' | 'serverRoot'> {
  pairs: number;
  floorBinary: string;
  holders: readonly { pid: number }[];
  log: (line: string) => void;
}

export interface SizeResult {
  pairs: number;
  /** Sockets on the host (in this network namespace) by the C floor's count. */
  sockets: number;
  loadAverage: { atStart: number[]; atEnd: number[] };
  references: References;
  serverStartMs: number | null;
  readBack: {
    reported: boolean;
    /** Server spawn → every tracked socket read once, s. */
    doneAfterSec: number | null;
    unreadSeries: number[];
    /** The oldest read's age, max over the samples taken after read-back was done, s. */
    maxReReadAgeSec: number | null;
    samples: { atSec: number; tracked: number; unread: number; failed: number; oldestReadAgeSec: number | null }[];
  };
  cpuNoClient: CpuWindow | null;
  stream: { snapshotBytes: number; snapshotConnections: number; snapshotMs: number; wireBytesPerSec: number; payloadBytesPerSec: number; perSecondPayloadBytes: number[]; byFrameType: Record<string, { frames: number; bytes: number }> } | null;
  browser: { firstWindowBytes: number; firstWindowFrames: number; rowsShownMs: number | null; rowsShownWallMs: number | null; cpu: CpuWindow | null; problems: string[] } | null;
  retune: RetuneResult | null;
  memory: { peakRssMb: number; maxSampledRssMb: number; byPhaseMaxRssMb?: Record<string, number> } | null;
  /** The last health answer's sweep figures and its sampling object as sent. */
  sweep: { sweepIntervalMs: number | null; lastSweepMs: number | null; sampling: Record<string, unknown> | null } | null;
  /** Phases that failed, and the server's own log lines. */
  errors: string[];
  serverLog: string[];
}

const loadAverage = (): number[] => loadavg().map((v) => round(v, 2) as number);
// Let the catch-up that follows a snapshot, a login or read-back go by before a steady window starts.
const SETTLE_MS = 3_000;
const SNAPSHOT_TIMEOUT_MS = 300_000;

export async function measureSize(options: SizeOptions): Promise<SizeResult> {
  const { log } = options;
  const errors: string[] = [];
  const atStart = loadAverage();
  const references = measureReferences(options.floorBinary, options.ssRepeat);
  log(`references: ss -tanoiH ${references.ss.medianCpuMs} ms CPU (${references.ss.sockets} sockets), C floor ${references.floor.medianCpuMs} ms CPU (dump ${references.floor.medianDumpMs} ms wall)`);
  const result: SizeResult = {
    pairs: options.pairs,
    sockets: references.floor.sockets,
    loadAverage: { atStart, atEnd: [] },
    references,
    serverStartMs: null,
    readBack: { reported: false, doneAfterSec: null, unreadSeries: [], maxReReadAgeSec: null, samples: [] },
    cpuNoClient: null,
    stream: null,
    browser: null,
    retune: null,
    memory: null,
    sweep: null,
    errors,
    serverLog: [],
  };

  const server = await startCliServer(options.serverRoot);
  const killOnExit = (): void => server.killNow();
  process.once('exit', killOnExit);
  result.serverStartMs = round(server.startMs, 0);
  log(`server ${server.pid} up on ${server.base} in ${server.startMs.toFixed(0)} ms`);
  const api = new Api(server.base, server.token);
  const ownPids = [process.pid, ...options.holders.map((h) => h.pid)];
  let maxSampledRssMb = 0;
  // The goal is stated with 0 and 1 browser connected; full-snapshot clients (raw, retune) are their own figure.
  let currentPhase = 'start';
  const byPhaseMaxRssMb: Record<string, number> = {};
  const memoryTimer = setInterval(() => {
    try {
      const rssMb = readMemory(server.pid).rssMb;
      maxSampledRssMb = Math.max(maxSampledRssMb, rssMb);
      byPhaseMaxRssMb[currentPhase] = Math.round(Math.max(byPhaseMaxRssMb[currentPhase] ?? 0, rssMb));
    } catch {
      // The server exited: stop() and the phase errors say so.
    }
  }, 1000);
  let readBackDoneAt: number | null = null;
  // Health is asked only between phases, so its own cost stays out of the CPU windows.
  const sampleHealth = async (): Promise<HealthSample | null> => {
    try {
      const h = await readHealth(server.base, server.token);
      result.sweep = { sweepIntervalMs: h.sweepIntervalMs, lastSweepMs: h.lastSweepMs, sampling: h.sampling };
      if (h.readBack) {
        const age = h.readBack.oldestReadAgeMs === null ? null : h.readBack.oldestReadAgeMs / 1000;
        result.readBack.samples.push({ atSec: round((h.at - server.spawnedAt) / 1000, 1) as number, ...h.readBack, oldestReadAgeSec: age });
        if (readBackDoneAt !== null && age !== null) result.readBack.maxReReadAgeSec = Math.max(result.readBack.maxReReadAgeSec ?? 0, age);
      }
      return h;
    } catch (error) {
      errors.push(`health: ${(error as Error).message}`);
      return null;
    }
  };
  const phase = async (name: string, body: () => Promise<void>): Promise<void> => {
    currentPhase = name;
    try {
      await body();
    } catch (error) {
      errors.push(`${name}: ${(error as Error).message}`);
      log(`${name} FAILED: ${(error as Error).message}`);
    }
    await sampleHealth();
  };

  try {
    await phase('read-back', async () => {
      const progress = await waitForReadBack(server.base, server.token, server.spawnedAt, options.readBackCapMs);
      result.readBack.reported = progress.reported;
      result.readBack.unreadSeries = progress.unreadSeries;
      if (progress.doneAfterMs !== null) {
        result.readBack.doneAfterSec = round(progress.doneAfterMs / 1000, 1);
        readBackDoneAt = performance.now();
      }
      log(
        !progress.reported
          ? `read-back not reported by this server: warming up ${options.warmupSec} s`
          : progress.doneAfterMs === null
            ? `read-back NOT done within ${options.readBackCapMs / 1000} s (unread ${progress.last?.readBack?.unread})`
            : `read-back done ${result.readBack.doneAfterSec} s after start`,
      );
      await sleep(progress.reported ? SETTLE_MS : options.warmupSec * 1000);
    });

    await phase('no client', async () => {
      result.cpuNoClient = await measureCpuWindow(server.pid, options.windowSec);
      log(`no client: ${result.cpuNoClient.totalMsPerSec.toFixed(1)} ms CPU/s (per second: ${result.cpuNoClient.perSecondMs.map((ms) => ms.toFixed(0)).join(' ')})`);
    });

    // The browser before the raw full-snapshot client: its ~100 MB snapshot at 100k would
    // otherwise still sit in the heap while the one-browser figures are taken.
    await phase('browser', async () => {
      const browser = await openFirstBrowser(server.loginUrl);
      try {
        const { firstWindowBytes, firstWindowFrames, rowsShownMs, rowsShownWallMs, problems } = browser;
        result.browser = { firstWindowBytes, firstWindowFrames, rowsShownMs: round(rowsShownMs, 0), rowsShownWallMs: round(rowsShownWallMs, 0), cpu: null, problems };
        log(`browser: ${(browser.firstWindowBytes / 1e6).toFixed(2)} MB in the first 5 s, a row after ${browser.rowsShownMs?.toFixed(0) ?? '—'} ms`);
        await sleep(SETTLE_MS);
        result.browser.cpu = await measureCpuWindow(server.pid, options.windowSec);
        log(`one browser: ${result.browser.cpu.totalMsPerSec.toFixed(1)} ms CPU/s`);
      } finally {
        await browser.close();
      }
    });

    await phase('raw client', async () => {
      const probe = await StreamProbe.open(server.base, server.token, ownPids);
      try {
        const snapshot = (await probe.frame((f) => f.type === 'snapshot', 0, SNAPSHOT_TIMEOUT_MS, 'the snapshot')) as FrameReport;
        await sleep(SETTLE_MS);
        const idle = await measureIdleStream(probe, snapshot, options.windowSec);
        result.stream = {
          snapshotBytes: snapshot.bytes,
          snapshotConnections: snapshot.connections ?? 0,
          snapshotMs: round(snapshot.at - probe.openedAt, 0) as number,
          wireBytesPerSec: round(idle.wireBytesPerSec, 0) as number,
          payloadBytesPerSec: round(idle.payloadBytesPerSec, 0) as number,
          perSecondPayloadBytes: idle.perSecondPayloadBytes,
          byFrameType: idle.byFrameType,
        };
        log(`raw client: snapshot ${(snapshot.bytes / 1e6).toFixed(1)} MB in ${result.stream.snapshotMs} ms; idle ${(idle.wireBytesPerSec / 1000).toFixed(1)} kB/s on the wire`);
      } finally {
        await probe.close();
      }
    });

    await phase('retune', async () => {
      const probes: StreamProbe[] = [];
      try {
        for (let i = 0; i < 2; i++) probes.push(await StreamProbe.open(server.base, server.token, ownPids));
        await Promise.all(probes.map((p) => p.frame((f) => f.type === 'snapshot', 0, SNAPSHOT_TIMEOUT_MS, 'the snapshot')));
        await sleep(SETTLE_MS);
        const targets = await pickForeignTargets(api, options.holders, Math.min(options.patches, 24));
        result.retune = await measureRetune(api, probes, targets, options.patches);
        log(`retune: p95 ${result.retune.p95Ms ?? '—'} ms over ${result.retune.samplesMs.length}/${result.retune.attempts} PATCHes of ${targets.length} sockets`);
      } finally {
        await Promise.all(probes.map((p) => p.close()));
      }
    });

    await phase('memory', async () => {
      const memory = readMemory(server.pid);
      result.memory = { peakRssMb: round(memory.peakRssMb, 0) as number, maxSampledRssMb: round(Math.max(maxSampledRssMb, memory.rssMb), 0) as number, byPhaseMaxRssMb };
    });
  } finally {
    clearInterval(memoryTimer);
    await server.stop();
    process.off('exit', killOnExit);
    result.serverLog = server.log;
    result.loadAverage.atEnd = loadAverage();
  }
  return result;
}
