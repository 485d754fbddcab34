/**
 * One soak run: idle loopback pairs held by child processes (../holders), the
 * real server in this process (../server/start-server.ts: Fastify + the app
 * plugin, netlink source, collector on), and N stream clients in a few other
 * processes, each applying the snapshot and every delta to its own model.
 *
 * "Start" is taken once every client has its first snapshot and has caught
 * up (at most one collection behind, nothing left to parse), and the server
 * has collected `settleTicks` more times: the cost of the first snapshots is
 * reported as warm-up, and the window from start to end is the steady state
 * the figures describe. After the window the collector stops, every client
 * drains to the server's last seq, and each model is compared with the
 * server's table (./digest.ts): nothing lost. Waits are judged by progress,
 * not deadlines (./until-clients.ts). Everything it started is ended, by
 * pid, whatever happens.
 */
import { HolderFleet } from '../holders/fleet.js';
import { startServer, type RunningServer } from '../server/start-server.js';
import { median, percentile } from '../server/stats.js';
import { TickRecorder } from '../server/ticks.js';
import { ClientFleet, type ClientsReport } from './clients.js';
import { tableDigest } from './digest.js';
import { cpuMark, cpuMsPerSec, memoryNow, ResourceSampler, type MemorySample } from './resources.js';
import { describeClient, sleep, untilClients, type ReportedClient } from './until-clients.js';

export interface SoakOptions {
  pairs: number;
  clients: number;
  clientsPerHost: number;
  /** 'waves': one new client per host process at a time, each wave once the last caught up; 'all': every client at once. */
  connect: 'waves' | 'all';
  /** Length of the measured window, after warm-up. */
  seconds: number;
  intervalMs: number;
  /** Collections to wait, after every client has its snapshot, before "start". */
  settleTicks: number;
  /**
   * How long a client that is behind may go without reading a byte or
   * applying a frame before the run fails. Not a deadline for catching up:
   * a client that keeps receiving and parsing is given the time it needs.
   */
  stuckMs: number;
  /** A progress line every this many seconds of the window; 0 for none. */
  progressEverySec: number;
  log: (line: string) => void;
  /** Called once, at "start", with what is known by then (to print it then, not only at the end). */
  onStart?: (start: SoakStart) => void;
  signal?: AbortSignal;
}

export interface ClientRow {
  index: number;
  frames: number;
  snapshots: number;
  deltas: number;
  events: number;
  payloadBytes: number;
  wireBytes: number;
  seq: number;
  lastDeltaSeq: number;
  serverSeq: number;
  /** serverSeq − seq: how many collections the client's model is behind. */
  lag: number;
  /** Messages received and not yet applied when the host answered. */
  queuedFrames: number;
  size: number;
  /** Deltas that folded several collections (sent after the client had fallen behind). */
  foldedDeltas: number;
  seqsFolded: number;
  inconsistencies: number;
  sizeMismatches: number;
  problems: string[];
  /** Which fields the changed views changed, as the client saw them (client 0 only; empty for the rest). */
  changedFields: Record<string, number>;
  closed: { code: number; reason: string } | null;
  errors: string[];
}

export interface Checkpoint {
  at: number;
  memory: MemorySample;
  serverSeq: number;
  connections: number;
  clients: ClientRow[];
  hosts: ClientsReport['hosts'];
}

export interface CpuRate {
  userMsPerSec: number;
  systemMsPerSec: number;
  totalMsPerSec: number;
  wallSec: number;
}

export interface SoakResult {
  options: Omit<SoakOptions, 'log' | 'signal' | 'onStart'>;
  aborted: boolean;
  setup: {
    pairs: number;
    holderPids: number[];
    fleetMs: number;
    serverStartMs: number;
    firstCollectionMs: number;
    connections: number;
    clientsReadyMs: number;
    /** Per client index: ms from connecting to the first time it was caught up (it may fall behind again before all are). */
    caughtUpMs: number[];
  };
  /** The server with its first collection done and no client yet. */
  beforeClients: MemorySample;
  /** From the server's start to "start": first collections, the first snapshots to every client, settling. */
  warmupCpu: CpuRate;
  start: Checkpoint;
  end: Checkpoint;
  window: {
    cpu: CpuRate;
    /** CPU ms per wall second, from a 1 s timer: each a rate over its real interval; fewer samples than seconds means the event loop was blocked. */
    cpuPerSecond: { samples: number; min: number | null; median: number | null; p95: number | null; max: number | null };
    ticks: { count: number; collectMsMedian: number | null; collectMsP95: number | null; added: number; changed: number; removed: number };
    /** Largest lag any client showed in any once-a-second sample of the window, and which. */
    maxLag: { frames: number; client: number | null; samples: number };
    payloadBytes: number;
    wireBytes: number;
    /** The client hosts' own CPU in the window (parsing and applying), ms per wall second, all hosts together. */
    clientHostsCpuMsPerSec: number;
  };
  /** After the window, with the collector stopped: every client at the server's last seq, its model against the server's table; null when interrupted. */
  drain: Drain | null;
  peakRssBytes: number;
  serverLog: string[];
}

export interface Drain {
  /** The seq the table stood still at. */
  serverSeq: number;
  /** ./digest.ts of the server's table at that seq. */
  serverDigest: string;
  /** From stopping the collector until every client was at serverSeq with nothing queued. */
  ms: number;
  /** Per client index: ms from stopping the collector until it was at serverSeq. */
  drainedMs: number[];
  /** Clients whose model is not the server's table, each with its own digest. */
  differing: { index: number; seq: number; digest: string | null }[];
}

export type SoakStart = Omit<SoakResult, 'end' | 'window' | 'drain' | 'peakRssBytes' | 'serverLog'>;

function rows(report: ClientsReport): ClientRow[] {
  return report.clients.map((c) => ({
    index: c.index,
    frames: c.frames,
    snapshots: c.snapshots,
    deltas: c.deltas,
    events: c.events,
    payloadBytes: c.payloadBytes,
    wireBytes: c.wireBytes,
    seq: c.seq,
    lastDeltaSeq: c.lastDeltaSeq,
    serverSeq: c.serverSeq,
    lag: c.serverSeq - c.seq,
    queuedFrames: c.queuedFrames,
    size: c.size,
    foldedDeltas: c.foldedDeltas,
    seqsFolded: c.seqsFolded,
    inconsistencies: c.inconsistencies,
    sizeMismatches: c.sizeMismatches,
    problems: c.problems,
    changedFields: c.changedFields,
    closed: c.closed,
    errors: c.errors,
  }));
}

const hostCpuMs = (report: ClientsReport): number => report.hosts.reduce((sum, h) => sum + (h.cpu.user + h.cpu.system) / 1000, 0);

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const { log, signal } = options;
  const checkAbort = (where: string): void => {
    if (signal?.aborted) throw new Error(`soak interrupted ${where}`);
  };
  const fleet = new HolderFleet();
  const clients = new ClientFleet();
  let server: RunningServer | null = null;
  let ticks: TickRecorder | null = null;
  let sampler: ResourceSampler | null = null;
  // The event loop is gone by then: only a synchronous SIGKILL by pid.
  const onExit = (): void => {
    clients.killNow();
    fleet.killNow();
  };
  process.once('exit', onExit);

  try {
    const fleetStarted = performance.now();
    log(`holding ${options.pairs} idle loopback pairs in child processes…`);
    const holders = await fleet.growTo(options.pairs);
    const fleetMs = performance.now() - fleetStarted;
    log(`  ${fleet.pairs} pairs in ${holders.length} holders (pids ${holders.map((h) => h.pid).join(', ')}) in ${(fleetMs / 1000).toFixed(1)} s`);
    checkAbort('while the holders started');

    const serverMark = cpuMark();
    server = await startServer(options.intervalMs);
    const running = server;
    ticks = new TickRecorder(running.fastify.ka.store);
    const recorder = ticks;
    sampler = new ResourceSampler();
    const serverSeq = (): number => recorder.ticks.at(-1)?.seq ?? 0;
    log(`server on ${running.url} (netlink, collect every ${options.intervalMs} ms) in ${running.startMs.toFixed(0)} ms`);
    const firstStarted = performance.now();
    if (recorder.ticks.length === 0) await recorder.next(120_000);
    const firstCollectionMs = performance.now() - firstStarted + running.startMs;
    const connections = running.fastify.ka.store.lastCollection()?.connections ?? 0;
    const beforeClients = memoryNow();
    log(`  first collection: ${connections} connections; server RSS ${mb(beforeClients.rssBytes)}, heap ${mb(beforeClients.heapUsedBytes)} before any client`);
    checkAbort('after the server started');

    const clientsStarted = performance.now();
    clients.start(Math.ceil(options.clients / options.clientsPerHost));
    // In waves, one new client per host at a time: a host then parses one
    // snapshot at once, as one browser would. All at once is the thundering herd.
    const waveSize = options.connect === 'all' ? options.clients : clients.size;
    log(
      `${options.clients} stream clients in ${clients.size} processes (pids ${clients.pids.join(', ')}), ` +
        `connecting ${options.connect === 'all' ? 'all at once' : `in waves of ${waveSize}, each once the one before has caught up`}…`,
    );
    // Caught up: the model is at most one collection behind and nothing waits to be parsed.
    const caughtUp = (c: ReportedClient): boolean => c.snapshots > 0 && c.serverSeq - c.seq <= 1 && c.queuedFrames === 0;
    const caughtUpMs: number[] = [];
    for (let first = 0; first < options.clients; first += waveSize) {
      const wave = Array.from({ length: Math.min(waveSize, options.clients - first) }, (_, i) => first + i);
      const waveStarted = performance.now() - clientsStarted;
      await clients.open(running.url, running.token, wave);
      const waited = await untilClients(clients, { what: 'caught up', done: caughtUp, stuckMs: options.stuckMs, serverSeq, log, signal });
      for (const i of wave) caughtUpMs[i] = waveStarted + (waited.firstDoneMs[i] ?? waited.ms);
    }
    const clientsReadyMs = performance.now() - clientsStarted;
    log(`  every client has its snapshot and is caught up after ${(clientsReadyMs / 1000).toFixed(1)} s; settling for ${options.settleTicks} collections`);
    checkAbort('while the clients connected');
    await recorder.after(options.settleTicks, 120_000);
    checkAbort('while settling');

    const warmupCpu = cpuMsPerSec(serverMark);
    const startReport = await clients.report(serverSeq);
    const windowMark = cpuMark();
    const start: Checkpoint = {
      at: Date.now(),
      memory: memoryNow(),
      serverSeq: serverSeq(),
      connections: running.fastify.ka.store.lastCollection()?.connections ?? 0,
      clients: rows(startReport),
      hosts: startReport.hosts,
    };
    const startTicks = recorder.ticks.length;

    let maxLag = { frames: 0, client: null as number | null, samples: 0 };
    let nextProgress = options.progressEverySec;
    const windowStarted = performance.now();
    const result: SoakStart = {
      options: { pairs: options.pairs, clients: options.clients, clientsPerHost: options.clientsPerHost, connect: options.connect, seconds: options.seconds, intervalMs: options.intervalMs, settleTicks: options.settleTicks, stuckMs: options.stuckMs, progressEverySec: options.progressEverySec },
      aborted: false,
      setup: { pairs: fleet.pairs, holderPids: holders.map((h) => h.pid), fleetMs, serverStartMs: running.startMs, firstCollectionMs, connections, clientsReadyMs, caughtUpMs },
      beforeClients,
      warmupCpu,
      start,
    };
    options.onStart?.(result);

    let last = startReport;
    while (performance.now() - windowStarted < options.seconds * 1000) {
      await sleep(Math.min(1000, options.seconds * 1000 - (performance.now() - windowStarted)), signal);
      if (signal?.aborted) {
        result.aborted = true;
        break;
      }
      last = await clients.report(serverSeq);
      maxLag.samples++;
      for (const c of last.clients) {
        const lag = c.serverSeq - c.seq;
        if (lag > maxLag.frames) maxLag = { ...maxLag, frames: lag, client: c.index };
      }
      const elapsed = (performance.now() - windowStarted) / 1000;
      if (options.progressEverySec > 0 && elapsed >= nextProgress) {
        nextProgress += options.progressEverySec;
        const lags = last.clients.map((c) => c.serverSeq - c.seq);
        const recent = sampler.seconds.slice(-options.progressEverySec);
        const cpu = recent.reduce((s, x) => s + x.cpuMsPerSec, 0) / Math.max(1, recent.length);
        log(
          `  ${elapsed.toFixed(0).padStart(4)} s: seq ${serverSeq()}, RSS ${mb(process.memoryUsage.rss())}, heap ${mb(process.memoryUsage().heapUsed)}, ` +
            `CPU ${cpu.toFixed(0)} ms/s (last ${recent.length} samples), lag now max ${Math.max(...lags)} (worst so far ${maxLag.frames}), ` +
            `${mb(last.clients.reduce((s, c) => s + c.payloadBytes, 0))} received in all`,
        );
      }
    }

    const endReport = await clients.report(serverSeq);
    const windowCpu = cpuMsPerSec(windowMark);
    const end: Checkpoint = {
      at: Date.now(),
      memory: memoryNow(),
      serverSeq: serverSeq(),
      connections: running.fastify.ka.store.lastCollection()?.connections ?? 0,
      clients: rows(endReport),
      hosts: endReport.hosts,
    };
    for (const c of end.clients) if (c.lag > maxLag.frames) maxLag = { ...maxLag, frames: c.lag, client: c.index };
    const windowTicks = recorder.ticks.slice(startTicks);
    const perSecond = sampler.since(start.at).map((s) => s.cpuMsPerSec);
    const sum = (list: ClientRow[], key: 'payloadBytes' | 'wireBytes'): number => list.reduce((s, c) => s + c[key], 0);
    const drain = result.aborted ? null : await drainClients(running, clients, serverSeq, options);
    return {
      ...result,
      end,
      window: {
        cpu: windowCpu,
        cpuPerSecond: { samples: perSecond.length, min: perSecond.length ? Math.min(...perSecond) : null, median: median(perSecond), p95: percentile(perSecond, 95), max: perSecond.length ? Math.max(...perSecond) : null },
        ticks: {
          count: windowTicks.length,
          collectMsMedian: median(windowTicks.map((t) => t.collectMs)),
          collectMsP95: percentile(windowTicks.map((t) => t.collectMs), 95),
          added: windowTicks.reduce((s, t) => s + t.added, 0),
          changed: windowTicks.reduce((s, t) => s + t.changed, 0),
          removed: windowTicks.reduce((s, t) => s + t.removed, 0),
        },
        maxLag,
        payloadBytes: sum(end.clients, 'payloadBytes') - sum(start.clients, 'payloadBytes'),
        wireBytes: sum(end.clients, 'wireBytes') - sum(start.clients, 'wireBytes'),
        clientHostsCpuMsPerSec: (hostCpuMs(endReport) - hostCpuMs(startReport)) / windowCpu.wallSec,
      },
      drain,
      peakRssBytes: sampler.peakRssBytes,
      serverLog: [...running.log],
    };
  } finally {
    ticks?.stop();
    sampler?.stop();
    const steps: [string, () => Promise<void>][] = [
      ['stream clients', () => clients.close()],
      ['server', () => server?.close() ?? Promise.resolve()],
      ['holders', () => fleet.stop()],
    ];
    for (const [what, step] of steps) {
      await step().catch((error: Error) => log(`cleanup of the ${what} failed: ${error.message}`));
    }
    process.off('exit', onExit);
  }
}

/**
 * Stops the collector, so the table stands still, then waits for every
 * client to be at its seq with nothing left to parse — by progress, as the
 * warm-up — and compares each model with the table. A client that was behind
 * when the last delta went out is caught up by the server once it drains,
 * not by a next collection (there is none).
 */
async function drainClients(running: RunningServer, clients: ClientFleet, serverSeq: () => number, options: SoakOptions): Promise<Drain> {
  const store = running.fastify.ka.store;
  store.stop();
  const started = performance.now();
  // A collection already running when the collector stopped still publishes: a report is only final if the seq did not move while it was taken.
  for (;;) {
    const atSeq = (c: ReportedClient): boolean => c.seq === serverSeq() && c.queuedFrames === 0;
    const waited = await untilClients(clients, { what: "at the server's last seq", done: atSeq, stuckMs: options.stuckMs, serverSeq, log: options.log, signal: options.signal });
    const seq = serverSeq();
    const serverDigest = tableDigest(store.currentViews());
    const digestsAsked = performance.now();
    const report = await clients.report(serverSeq, true);
    options.log(`  drain: every client at seq ${seq} after ${(waited.ms / 1000).toFixed(1)} s; digests in ${((performance.now() - digestsAsked) / 1000).toFixed(1)} s, server at seq ${serverSeq()} by then`);
    if (serverSeq() !== seq || !report.clients.every(atSeq)) continue;
    const differing = report.clients.filter((c) => c.digest !== serverDigest);
    for (const c of differing.slice(0, 3)) options.log(`  model of ${describeClient(c)}: ${c.digest}, the server's table: ${serverDigest}`);
    return { serverSeq: seq, serverDigest, ms: performance.now() - started, drainedMs: waited.firstDoneMs, differing: differing.map((c) => ({ index: c.index, seq: c.seq, digest: c.digest })) };
  }
}

export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
