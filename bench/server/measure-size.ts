/**
 * One size of the server benchmark: with the holders already up, start the
 * real server and take every figure in one run, in this order —
 *   warm-up     until the process map has scanned and the per-tick changes settle
 *   ticks       CPU and wall per collection, no stream client connected
 *   ss          `ss -tanoiH` at the same size, the reference
 *   stream      snapshot size, then bytes/s while nothing changes (and CPU/tick with a client)
 *   churn       the delta of closing and reopening 1% of the pairs
 *   latency     PATCH → visible in the stream, owned then foreign
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

import type { FastifyInstance } from 'fastify';

import { Api } from './api.js';
import type { ChurnHolder } from './churn.js';
import { measureChurn, type ChurnResult } from './churn-delta.js';
import { measureIdleStream, type IdleStreamResult } from './idle-stream.js';
import { measurePatchLatency, type LatencyResult } from './patch-latency.js';
import { startServer } from './start-server.js';
import { median, round } from './stats.js';
import type { FrameReport } from './stream-messages.js';
import { StreamProbe } from './stream-probe.js';
import { summarizeTicks, TickRecorder, type TickSummary } from './ticks.js';

export interface SizeOptions {
  pairs: number;
  intervalMs: number;
  idleSeconds: number;
  cpuTicks: number;
  patches: number;
  ssRepeat: number;
  /** A pairs.ts holder's address and listening port: its sockets are the foreign PATCH target. */
  foreignHolder: { address: string; port: number; pid: number };
  churn: ChurnHolder;
  /** The holders' pids (this process is added): sockets held by anyone else are another session's. */
  holderPids: number[];
  log: (line: string) => void;
}

export interface SizeResult {
  pairs: number;
  loadAverage: { atStart: number[]; afterTicks: number[]; atEnd: number[] };
  serverStartMs: number;
  rssMb: number;
  warmup: {
    ticks: number;
    waitedMs: number;
    /** The last ticks changed no more than the threshold (else the cap was reached). */
    settled: boolean;
    changedPerTick: number[];
    processMapScanMs: number;
    processMapSockets: number;
  };
  /** Collection ticks with no stream client: the collector's own cost. */
  ticks: TickSummary;
  /** The ticks of the idle-stream window: one client connected. */
  ticksWithClient: TickSummary;
  /** How late the server's event loop ran timers (a request waits at least this long), ms. */
  eventLoopDelay: { duringTicks: LoopDelay; duringPatches: LoopDelay };
  ss: { command: string; medianMs: number | null; samplesMs: number[]; sockets: number | null; collectOverSs: number | null };
  snapshot: {
    bytes: number;
    connections: number;
    bytesPerConnection: number;
    /** From WebSocket open to the snapshot's last byte at the client. */
    arrivalMs: number;
    clientParseMs: number;
    keepaliveOrigins: Record<string, number>;
    /** Connections held by processes outside this run (other sessions), and with no holder known. */
    heldByOthers: number;
    noKnownHolder: number;
  };
  idle: IdleStreamResult;
  churn: ChurnResult;
  latency: { owned: LatencyResult | null; foreign: LatencyResult | null; errors: string[] };
  /** Snapshots the client received in all (more than one: the server resynced it). */
  snapshotsReceived: number;
  serverLog: string[];
  clientErrors: string[];
}

export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function loopDelay(histogram: IntervalHistogram): LoopDelay {
  const result = {
    p50Ms: round(histogram.percentile(50) / 1e6, 1) as number,
    p99Ms: round(histogram.percentile(99) / 1e6, 1) as number,
    maxMs: round(histogram.max / 1e6, 1) as number,
  };
  histogram.reset();
  return result;
}

// Settled: a handful of changes per tick is what an idle host shows (listeners, the stream's own socket).
const SETTLED_CHANGED = 50;
const SETTLED_TICKS = 3;
const WARMUP_CAP_MS = 120_000;

function loadAverage(): number[] {
  return loadavg().map((v) => round(v, 2) as number);
}

function measureSs(repeat: number): SizeResult['ss'] {
  const args = ['-tanoiH'];
  // Synchronous on purpose: the server's event loop is held, so no collection competes with ss for the 2 cores.
  const counted = spawnSync('ss', args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const sockets = counted.status === 0 ? counted.stdout.split('\n').filter((line) => line !== '' && !/^\s/.test(line)).length : null;
  const samplesMs: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const started = performance.now();
    const out = spawnSync('ss', args, { stdio: 'ignore', timeout: 120_000 });
    if (out.status !== 0) break;
    samplesMs.push(performance.now() - started);
  }
  return { command: `ss ${args.join(' ')}`, medianMs: median(samplesMs), samplesMs: samplesMs.map((ms) => round(ms, 2) as number), sockets, collectOverSs: null };
}

/** A socket of a pairs.ts holder with keepalive on: the foreign PATCH target. */
async function pickForeignTarget(api: Api, holder: SizeOptions['foreignHolder']): Promise<string> {
  const views = await api.connections({ address: holder.address, port: holder.port, state: 'ESTABLISHED', limit: 500 });
  const held = views.filter((v) => v.holders.some((h) => h.pid === holder.pid));
  const withKeepalive = held.find((v) => v.keepalive?.enabled || v.timer.kind === 'keepalive');
  const chosen = withKeepalive ?? held[0] ?? views[0];
  if (!chosen) throw new Error(`no ESTABLISHED connection on ${holder.address}:${holder.port} in the server's table`);
  return chosen.id;
}

async function warmUp(ka: FastifyInstance['ka'], ticks: TickRecorder): Promise<SizeResult['warmup']> {
  const started = performance.now();
  const first = ticks.ticks.length;
  await ka.processMap.refresh();
  let settled = false;
  while (performance.now() - started < WARMUP_CAP_MS) {
    await ticks.next();
    const recent = ticks.ticks.slice(Math.max(first, ticks.ticks.length - SETTLED_TICKS));
    if (recent.length === SETTLED_TICKS && recent.every((t) => t.changed + t.added + t.removed <= SETTLED_CHANGED)) {
      settled = true;
      break;
    }
  }
  const status = ka.processMap.getStatus();
  const during = ticks.ticks.slice(first);
  return {
    ticks: during.length,
    waitedMs: round(performance.now() - started, 0) as number,
    settled,
    changedPerTick: during.map((t) => t.changed),
    processMapScanMs: round(status.durationMs, 1) as number,
    processMapSockets: status.sockets,
  };
}

export async function measureSize(options: SizeOptions): Promise<SizeResult> {
  const { log } = options;
  const atStart = loadAverage();
  const server = await startServer(options.intervalMs);
  const ka = server.fastify.ka;
  const ticks = new TickRecorder(ka.store);
  const api = new Api(server.url, server.token);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  let probe: StreamProbe | null = null;
  try {
    log(`server up on ${server.url} in ${server.startMs.toFixed(0)} ms (source ${ka.selected.source.name})`);
    const warmup = await warmUp(ka, ticks);
    log(`warm-up: ${warmup.ticks} ticks, ${(warmup.waitedMs / 1000).toFixed(1)} s, ${warmup.settled ? 'settled' : 'NOT settled'} (changed per tick: ${warmup.changedPerTick.join(' ')})`);

    // 1: the collector alone.
    const firstTick = ticks.ticks.length;
    delay.enable();
    await ticks.after(options.cpuTicks + 1);
    const delayDuringTicks = loopDelay(delay);
    delay.disable();
    // The first tick's CPU counts from before the wait: drop it.
    const cpuTicks = summarizeTicks(ticks.ticks.slice(firstTick + 1));
    const afterTicks = loadAverage();
    const rssMb = round(process.memoryUsage().rss / 2 ** 20, 0) as number;
    const ss = measureSs(options.ssRepeat);
    if (ss.medianMs !== null && cpuTicks.collectMs.median !== null) ss.collectOverSs = cpuTicks.collectMs.median / ss.medianMs;
    log(`ticks: ${cpuTicks.count}, CPU/tick median ${cpuTicks.cpuMsPerTick.median?.toFixed(1)} ms, collect median ${cpuTicks.collectMs.median?.toFixed(1)} ms, ss ${ss.medianMs?.toFixed(1)} ms`);

    // 2 + 3: the snapshot, then what flows while nothing but timers counts down.
    probe = await StreamProbe.open(server.url, server.token, [process.pid, ...options.holderPids]);
    const snapshot = (await probe.frame((f) => f.type === 'snapshot', 0, 180_000, 'the snapshot')) as FrameReport;
    log(`snapshot: ${snapshot.connections} connections, ${(snapshot.bytes / 1e6).toFixed(1)} MB; idle window ${options.idleSeconds} s`);
    const idle = await measureIdleStream(probe, snapshot, options.idleSeconds);
    const ticksWithClient = summarizeTicks(ticks.between(snapshot.at, snapshot.at + idle.seconds * 1000).slice(1));
    log(`idle: ${Math.round(idle.payloadBytesPerSec)} B/s; per second ${idle.perSecondPayloadBytes.join(' ')}`);

    // 4: close and reopen 1% of the pairs.
    const churn = await measureChurn(options.churn, ticks, probe);
    log(`churn: ${churn.pairs} pairs in ${churn.holderMs.toFixed(0)} ms; delta ${churn.delta.bytes} B in ${churn.delta.frames} frames (+${churn.delta.added} −${churn.delta.removed} ~${churn.delta.changed})`);

    // 5: PATCH → visible in the stream, owned then foreign.
    const latency: SizeResult['latency'] = { owned: null, foreign: null, errors: [] };
    let ownedId: string | null = null;
    let foreignId: string | null = null;
    try {
      ownedId = await api.openLabConnection();
    } catch (error) {
      latency.errors.push(`owned target: ${(error as Error).message}`);
    }
    try {
      foreignId = await pickForeignTarget(api, options.foreignHolder);
    } catch (error) {
      latency.errors.push(`foreign target: ${(error as Error).message}`);
    }
    await probe.watch([ownedId, foreignId].filter((id): id is string => id !== null));
    delay.enable();
    if (ownedId) latency.owned = await measurePatchLatency(api, probe, 'owned', ownedId, options.patches);
    if (foreignId) latency.foreign = await measurePatchLatency(api, probe, 'foreign', foreignId, options.patches);
    const delayDuringPatches = loopDelay(delay);
    delay.disable();
    log(`latency: owned p95 ${latency.owned?.p95Ms?.toFixed(1) ?? '—'} ms, foreign p95 ${latency.foreign?.p95Ms?.toFixed(1) ?? '—'} ms`);

    return {
      pairs: options.pairs,
      loadAverage: { atStart, afterTicks, atEnd: loadAverage() },
      serverStartMs: round(server.startMs, 0) as number,
      rssMb,
      warmup,
      ticks: cpuTicks,
      ticksWithClient,
      eventLoopDelay: { duringTicks: delayDuringTicks, duringPatches: delayDuringPatches },
      ss,
      snapshot: {
        bytes: snapshot.bytes,
        connections: snapshot.connections ?? 0,
        bytesPerConnection: snapshot.bytes / Math.max(1, snapshot.connections ?? 0),
        arrivalMs: round(snapshot.at - probe.openedAt, 0) as number,
        clientParseMs: round(snapshot.parseMs ?? 0, 0) as number,
        keepaliveOrigins: snapshot.originCounts ?? {},
        heldByOthers: snapshot.heldByOthers ?? 0,
        noKnownHolder: snapshot.noKnownHolder ?? 0,
      },
      idle,
      churn,
      latency,
      snapshotsReceived: probe.frames.filter((f) => f.type === 'snapshot').length,
      serverLog: [...server.log],
      clientErrors: [...probe.errors],
    };
  } finally {
    delay.disable();
    ticks.stop();
    await probe?.close();
    await server.close();
  }
}
