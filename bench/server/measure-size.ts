/**
 * One size of the server benchmark: with the holders already up, start the
 * real server, connect a stream client, and take every figure in one run —
 * CPU and wall per collection, `ss -tanoiH` beside it, the idle stream's
 * bytes/s, the snapshot's size, a 1% churn's delta, and PATCH latencies.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';

import { Api } from './api.js';
import type { ChurnHolder } from './churn.js';
import { measurePatchLatency, type LatencyResult } from './patch-latency.js';
import { startServer } from './start-server.js';
import { mean, median, percentile, round, sleep } from './stats.js';
import type { FrameReport } from './stream-messages.js';
import { StreamProbe } from './stream-probe.js';
import { TickRecorder, type Tick } from './ticks.js';

export interface SizeOptions {
  pairs: number;
  intervalMs: number;
  idleSeconds: number;
  patches: number;
  ssRepeat: number;
  /** A pairs.ts holder's address and listening port: its sockets are the foreign PATCH target. */
  foreignHolder: { address: string; port: number; pid: number };
  churn: ChurnHolder;
  log: (line: string) => void;
}

export interface FrameTally {
  frames: number;
  bytes: number;
  added: number;
  changed: number;
  removed: number;
  changedFields: Record<string, number>;
}

export interface SizeResult {
  pairs: number;
  loadAverage: { atStart: number[]; atEnd: number[] };
  serverStartMs: number;
  rssMb: number;
  warmup: { ticks: number; waitedMs: number; processMapScanMs: number; processMapSockets: number };
  snapshot: {
    bytes: number;
    connections: number;
    bytesPerConnection: number;
    /** From WebSocket open to the snapshot's last byte at the client. */
    arrivalMs: number;
    clientParseMs: number;
    keepaliveOrigins: Record<string, number>;
    /** Snapshots the client received in all (more than one means the server resynced it). */
    received: number;
  };
  ticks: {
    count: number;
    cpuMsPerTick: { median: number | null; mean: number | null; p95: number | null };
    cpuUserMsMedian: number | null;
    cpuSysMsMedian: number | null;
    collectMs: { median: number | null; p95: number | null };
    /** The ticks themselves, for the JSON. */
    samples: Tick[];
  };
  ss: { command: string; medianMs: number | null; samplesMs: number[]; sockets: number | null; collectOverSs: number | null };
  idle: {
    seconds: number;
    payloadBytes: number;
    wireBytes: number;
    payloadBytesPerSec: number;
    wireBytesPerSec: number;
    perSecondPayloadBytes: number[];
    byFrameType: Record<string, { frames: number; bytes: number }>;
    deltas: FrameTally;
    eventTypes: Record<string, number>;
  };
  churn: {
    pairs: number;
    holderMs: number;
    /** The delta frame(s) that carried the close-and-reopen. */
    delta: FrameTally;
    expectedAddedRemoved: number;
    /** The deltas in the seconds after: holders and settings filled in for the new sockets. */
    followUp: FrameTally & { seconds: number };
    eventFrames: { frames: number; bytes: number };
  };
  latency: { owned: LatencyResult | null; foreign: LatencyResult | null; errors: string[] };
  serverLog: string[];
  clientErrors: string[];
}

const WARMUP_TICKS = 3;
const FOLLOW_UP_SECONDS = 6;

function tally(frames: readonly FrameReport[]): FrameTally {
  const out: FrameTally = { frames: 0, bytes: 0, added: 0, changed: 0, removed: 0, changedFields: {} };
  for (const f of frames) {
    out.frames++;
    out.bytes += f.bytes;
    out.added += f.added;
    out.changed += f.changed;
    out.removed += f.removed;
    for (const [field, n] of Object.entries(f.changedFields ?? {})) out.changedFields[field] = (out.changedFields[field] ?? 0) + n;
  }
  return out;
}

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

export async function measureSize(options: SizeOptions): Promise<SizeResult> {
  const { log, churn } = options;
  const atStart = loadAverage();
  const server = await startServer(options.intervalMs);
  const ka = server.fastify.ka;
  const ticks = new TickRecorder(ka.store);
  const api = new Api(server.url, server.token);
  let probe: StreamProbe | null = null;
  try {
    log(`server up on ${server.url} in ${server.startMs.toFixed(0)} ms (source ${ka.selected.source.name})`);

    // Warm-up: the process map's first scan done (holders known), then a few ordinary ticks.
    const warmStarted = performance.now();
    await ka.processMap.refresh();
    await ticks.after(WARMUP_TICKS);
    const mapStatus = ka.processMap.getStatus();
    const warmup = {
      ticks: WARMUP_TICKS,
      waitedMs: round(performance.now() - warmStarted, 0) as number,
      processMapScanMs: round(mapStatus.durationMs, 1) as number,
      processMapSockets: mapStatus.sockets,
    };

    // 2 + 3: the snapshot, then what flows while nothing but timers counts down.
    probe = await StreamProbe.open(server.url, server.token);
    const snapshot = (await probe.frame((f) => f.type === 'snapshot', 0, 180_000, 'the snapshot')) as FrameReport;
    const startCounters = await probe.counters();
    const windowStart = snapshot.at;
    log(`snapshot: ${snapshot.connections} connections, ${(snapshot.bytes / 1e6).toFixed(1)} MB; idle window ${options.idleSeconds} s`);
    await sleep(options.idleSeconds * 1000);
    const endCounters = await probe.counters();
    const windowEnd = endCounters.at;
    const windowSec = (windowEnd - startCounters.at) / 1000;
    const idleFrames = probe.frames.filter((f) => f.at > windowStart && f.at <= windowEnd);
    const perSecond = Array.from({ length: options.idleSeconds }, (_, s) =>
      idleFrames.filter((f) => f.at > windowStart + s * 1000 && f.at <= windowStart + (s + 1) * 1000).reduce((n, f) => n + f.bytes, 0),
    );
    const byFrameType: Record<string, { frames: number; bytes: number }> = {};
    const eventTypes: Record<string, number> = {};
    for (const f of idleFrames) {
      const entry = (byFrameType[f.type] ??= { frames: 0, bytes: 0 });
      entry.frames++;
      entry.bytes += f.bytes;
      if (f.eventType) eventTypes[f.eventType] = (eventTypes[f.eventType] ?? 0) + 1;
    }
    const payloadBytes = endCounters.payloadBytes - startCounters.payloadBytes;
    const wireBytes = endCounters.wireBytes - startCounters.wireBytes;
    const idle: SizeResult['idle'] = {
      seconds: round(windowSec, 2) as number,
      payloadBytes,
      wireBytes,
      payloadBytesPerSec: round(payloadBytes / windowSec, 1) as number,
      wireBytesPerSec: round(wireBytes / windowSec, 1) as number,
      perSecondPayloadBytes: perSecond,
      byFrameType,
      deltas: tally(idleFrames.filter((f) => f.type === 'delta')),
      eventTypes,
    };

    // 1: CPU and wall per collection, over the ticks of the idle window (the client connected, nothing changing).
    const windowTicks = ticks.between(windowStart, windowEnd);
    const cpuPerTick = windowTicks.map((t) => t.cpuUserMs + t.cpuSysMs);
    const collectMs = windowTicks.map((t) => t.collectMs);
    const tickFigures: SizeResult['ticks'] = {
      count: windowTicks.length,
      cpuMsPerTick: { median: median(cpuPerTick), mean: mean(cpuPerTick), p95: percentile(cpuPerTick, 95) },
      cpuUserMsMedian: median(windowTicks.map((t) => t.cpuUserMs)),
      cpuSysMsMedian: median(windowTicks.map((t) => t.cpuSysMs)),
      collectMs: { median: median(collectMs), p95: percentile(collectMs, 95) },
      samples: windowTicks,
    };
    const rssMb = round(process.memoryUsage().rss / 2 ** 20, 0) as number;

    const ss = measureSs(options.ssRepeat);
    if (ss.medianMs !== null && tickFigures.collectMs.median !== null) ss.collectOverSs = tickFigures.collectMs.median / ss.medianMs;
    log(`ticks: ${tickFigures.count}, CPU/tick median ${tickFigures.cpuMsPerTick.median?.toFixed(1)} ms, collect median ${tickFigures.collectMs.median?.toFixed(1)} ms, ss ${ss.medianMs?.toFixed(1)} ms`);

    // 4: close and reopen 1% of the pairs right after a tick, so the next tick carries all of it.
    await ticks.next();
    const churnStart = performance.timeOrigin + performance.now();
    const churned = await churn.churn();
    await ticks.after(2);
    const expected = 2 * churned.churned;
    const after = probe.frames.filter((f) => f.at > churnStart && f.type === 'delta');
    const carrying: FrameReport[] = [];
    let added = 0;
    let removed = 0;
    for (const f of after) {
      if (added >= expected && removed >= expected) break;
      carrying.push(f);
      added += f.added;
      removed += f.removed;
    }
    const lastCarrying = carrying[carrying.length - 1]?.at ?? churnStart;
    await sleep(FOLLOW_UP_SECONDS * 1000);
    const followUpFrames = probe.frames.filter((f) => f.type === 'delta' && f.at > lastCarrying && f.at <= lastCarrying + FOLLOW_UP_SECONDS * 1000);
    const churnEvents = probe.frames.filter((f) => f.type === 'event' && f.at > churnStart && f.at <= lastCarrying + 50);
    const churnResult: SizeResult['churn'] = {
      pairs: churned.churned,
      holderMs: round(churned.ms, 1) as number,
      delta: tally(carrying),
      expectedAddedRemoved: expected,
      followUp: { ...tally(followUpFrames), seconds: FOLLOW_UP_SECONDS },
      eventFrames: { frames: churnEvents.length, bytes: churnEvents.reduce((n, f) => n + f.bytes, 0) },
    };
    log(`churn: ${churned.churned} pairs in ${churned.ms.toFixed(0)} ms; delta ${churnResult.delta.bytes} B (+${churnResult.delta.added} −${churnResult.delta.removed} ~${churnResult.delta.changed})`);

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
    if (ownedId) latency.owned = await measurePatchLatency(api, probe, 'owned', ownedId, options.patches);
    if (foreignId) latency.foreign = await measurePatchLatency(api, probe, 'foreign', foreignId, options.patches);
    log(`latency: owned p95 ${latency.owned?.p95Ms?.toFixed(1) ?? '—'} ms, foreign p95 ${latency.foreign?.p95Ms?.toFixed(1) ?? '—'} ms`);

    return {
      pairs: options.pairs,
      loadAverage: { atStart, atEnd: loadAverage() },
      serverStartMs: round(server.startMs, 0) as number,
      rssMb,
      warmup,
      snapshot: {
        bytes: snapshot.bytes,
        connections: snapshot.connections ?? 0,
        bytesPerConnection: round(snapshot.bytes / Math.max(1, snapshot.connections ?? 0), 1) as number,
        arrivalMs: round(snapshot.at - probe.openedAt, 0) as number,
        clientParseMs: round(snapshot.parseMs ?? 0, 0) as number,
        keepaliveOrigins: snapshot.originCounts ?? {},
        received: probe.frames.filter((f) => f.type === 'snapshot').length,
      },
      ticks: tickFigures,
      ss,
      idle,
      churn: churnResult,
      latency,
      serverLog: [...server.log],
      clientErrors: [...probe.errors],
    };
  } finally {
    ticks.stop();
    await probe?.close();
    await server.close();
  }
}
