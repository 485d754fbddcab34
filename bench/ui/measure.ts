/**
 * One size: a fresh server holding N fake sockets and a fresh Chromium; the
 * page loaded and timed to its first painted table, the JS heap read over
 * CDP, then the table scrolled for a few seconds with each frame timed.
 */
import { loadavg } from 'node:os';

import type { CDPSession, Page } from 'playwright-core';

import { percentile, round, sleep } from '../server/stats.js';
import { openBenchBrowser } from './browser.js';
import { idleIntervalsScript, READ_LOAD_PROBE, scrollScript, type LoadProbe, type ScrollProbe } from './page-probe.js';
import { startUiServer } from './server.js';

export interface Distribution {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export interface SizeResult {
  connections: number;
  loadAverage: { atStart: number[]; beforeScroll: number[]; afterScroll: number[] };
  load: {
    /** Navigation start to the first snapshot's message event. */
    snapshotReceivedAfterNavigationMs: number;
    snapshotBytes: number;
    /** The message event's timeStamp to its dispatch: the page's main thread busy elsewhere. */
    queuedMs: number;
    /** Message event to handler return: JSON.parse and the model. */
    handleMs: number;
    /** Message event to the first rows in the DOM (React's render and commit added). */
    rowsInDomMs: number;
    /** Message event to the task after the first frame that painted the rows. */
    paintedMs: number;
    /** Message event to Element Timing's presentation time of the first row's text, when reported. */
    elementPaintMs: number | null;
    rowsInDom: number;
    /** From page.goto to the probe reporting the painted table, as seen from Node. */
    wallMs: number;
  };
  heap: { usedBytes: number; totalBytes: number; usedAfterGcBytes: number; domNodes: number | null };
  idleFrameIntervalMs: Distribution;
  scroll: {
    seconds: number;
    pxPerFrame: number;
    frames: number;
    frameIntervalMs: Distribution;
    workPerFrameMs: Distribution;
    /** Of the work, the scroll handlers: React rendering and committing the new window of rows. */
    scrollHandlersPerFrameMs: Distribution;
    /** Samples of workPerFrameMs: fewer than frames when an after-paint task ran after the next frame began. */
    workSamples: number;
    /** Chromium's own counters (CDP Performance.getMetrics) over the scroll, per frame: main-thread time by kind, ms, and counts. */
    perFrame: { taskMs: number; scriptMs: number; layoutMs: number; styleMs: number; layouts: number; styleRecalcs: number };
    /** Display frames missed: each interval counted in whole vsync periods beyond the first. */
    droppedFrames: number;
    longAnimationFrames: { supported: boolean; count: number; maxMs: number | null; blockingMs: number };
    streamFramesDuring: { type: string; bytes: number; handleMs: number }[];
  };
  /** The raw series, 0.1 ms, for a closer look; long frames' start is ms after the scroll began. */
  samples: { frameIntervalMs: number[]; workPerFrameMs: number[]; scrollHandlersPerFrameMs: number[]; longAnimationFrames: { atMs: number; durationMs: number; blockingMs: number; renderMs: number; topScript: string | null }[] };
  problems: string[];
  serverLog: string[];
}

export interface MeasureOptions {
  connections: number;
  intervalMs: number;
  webRoot: string;
  scrollSeconds: number;
  pxPerFrame: number;
  log: (line: string) => void;
}

const LOAD_TIMEOUT_MS = 240_000;
const IDLE_SAMPLE_MS = 1_000;

function distribution(values: readonly number[]): Distribution {
  return {
    count: values.length,
    p50: round(percentile(values, 50)),
    p95: round(percentile(values, 95)),
    p99: round(percentile(values, 99)),
    max: round(values.length ? Math.max(...values) : null),
  };
}

/** Polled from Node: page.waitForFunction would eval in the page, which its CSP forbids. */
async function pollLoadProbe(page: Page): Promise<LoadProbe> {
  const deadline = performance.now() + LOAD_TIMEOUT_MS;
  for (;;) {
    const probe = (await page.evaluate(READ_LOAD_PROBE)) as LoadProbe | null;
    if (probe) return probe;
    if (performance.now() > deadline) throw new Error(`the table was not painted within ${LOAD_TIMEOUT_MS / 1000} s`);
    await sleep(100);
  }
}

async function cdpMetrics(cdp: CDPSession): Promise<Map<string, number>> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return new Map(metrics.map((m) => [m.name, m.value]));
}

/** Durations in Performance.getMetrics are seconds of main-thread time; counts are totals since the page opened. */
function perFrame(before: Map<string, number>, after: Map<string, number>, frames: number): SizeResult['scroll']['perFrame'] {
  const diff = (name: string): number => ((after.get(name) ?? 0) - (before.get(name) ?? 0)) / frames;
  return {
    taskMs: round(diff('TaskDuration') * 1000) as number,
    scriptMs: round(diff('ScriptDuration') * 1000) as number,
    layoutMs: round(diff('LayoutDuration') * 1000) as number,
    styleMs: round(diff('RecalcStyleDuration') * 1000) as number,
    layouts: round(diff('LayoutCount')) as number,
    styleRecalcs: round(diff('RecalcStyleCount')) as number,
  };
}

const tenth = (v: number): number => Math.round(v * 10) / 10;

const loads = (): number[] => loadavg().map((v) => Number(v.toFixed(2)));

export async function measureSize(options: MeasureOptions): Promise<SizeResult> {
  const atStart = loads();
  const server = await startUiServer({ connections: options.connections, intervalMs: options.intervalMs, webRoot: options.webRoot });
  try {
    const browser = await openBenchBrowser();
    try {
      const { page, cdp } = browser;
      const started = performance.now();
      await page.goto(server.pageUrl);
      const probe = await pollLoadProbe(page);
      const wallMs = performance.now() - started;
      const at = probe.snapshotAt as number;
      const snapshot = probe.frames.find((f) => f.type === 'snapshot');
      options.log(`${options.connections}: table painted ${(((probe.paintedAt as number) - at) / 1000).toFixed(2)} s after the snapshot arrived`);

      // Heap as the load left it (the snapshot's text may still be garbage on it), then after a full GC.
      await cdp.send('Performance.enable');
      const usage = await cdp.send('Runtime.getHeapUsage');
      const metrics = await cdpMetrics(cdp);
      await cdp.send('HeapProfiler.collectGarbage');
      const afterGc = await cdp.send('Runtime.getHeapUsage');
      const domNodes = metrics.get('Nodes') ?? null;

      await sleep(500);
      const idle = (await page.evaluate(idleIntervalsScript(IDLE_SAMPLE_MS))) as number[];
      const vsyncMs = percentile(idle, 50) ?? 1000 / 60;
      const beforeScroll = loads();
      options.log(`${options.connections}: scrolling for ${options.scrollSeconds} s`);
      const metricsBefore = await cdpMetrics(cdp);
      const scroll = (await page.evaluate(scrollScript(options.scrollSeconds * 1000, options.pxPerFrame))) as ScrollProbe;
      const metricsAfter = await cdpMetrics(cdp);
      const afterScroll = loads();

      return {
        connections: options.connections,
        loadAverage: { atStart, beforeScroll, afterScroll },
        load: {
          snapshotReceivedAfterNavigationMs: round(at) as number,
          snapshotBytes: probe.snapshotBytes ?? 0,
          queuedMs: round(snapshot ? snapshot.receivedAt - snapshot.createdAt : 0) as number,
          handleMs: round((probe.snapshotHandledAt as number) - at) as number,
          rowsInDomMs: round((probe.rowsAt as number) - at) as number,
          paintedMs: round((probe.paintedAt as number) - at) as number,
          elementPaintMs: probe.elementPaintAt === null ? null : round(probe.elementPaintAt - at),
          rowsInDom: probe.rowsInDom,
          wallMs: round(wallMs) as number,
        },
        heap: { usedBytes: usage.usedSize, totalBytes: usage.totalSize, usedAfterGcBytes: afterGc.usedSize, domNodes },
        idleFrameIntervalMs: distribution(idle),
        scroll: {
          seconds: round(scroll.elapsedMs / 1000) as number,
          pxPerFrame: options.pxPerFrame,
          frames: scroll.intervalsMs.length + 1,
          frameIntervalMs: distribution(scroll.intervalsMs),
          workPerFrameMs: distribution(scroll.workMs),
          scrollHandlersPerFrameMs: distribution(scroll.handlersMs),
          workSamples: scroll.workMs.length,
          perFrame: perFrame(metricsBefore, metricsAfter, scroll.intervalsMs.length + 1),
          droppedFrames: scroll.intervalsMs.reduce((sum, ms) => sum + Math.max(0, Math.round(ms / vsyncMs) - 1), 0),
          longAnimationFrames: {
            supported: scroll.longFramesSupported,
            count: scroll.longFrames.length,
            maxMs: round(scroll.longFrames.length ? Math.max(...scroll.longFrames.map((f) => f.durationMs)) : null),
            blockingMs: round(scroll.longFrames.reduce((sum, f) => sum + f.blockingMs, 0)) as number,
          },
          streamFramesDuring: scroll.streamFrames.map((f) => ({ type: f.type, bytes: f.bytes, handleMs: round(f.handledAt - f.receivedAt) as number })),
        },
        samples: {
          frameIntervalMs: scroll.intervalsMs.map(tenth),
          workPerFrameMs: scroll.workMs.map(tenth),
          scrollHandlersPerFrameMs: scroll.handlersMs.map(tenth),
          longAnimationFrames: scroll.longFrames.map((f) => ({ atMs: tenth(f.startTime - scroll.startedAt), durationMs: tenth(f.durationMs), blockingMs: tenth(f.blockingMs), renderMs: tenth(f.renderMs), topScript: f.topScript })),
        },
        problems: [...browser.problems],
        serverLog: [...server.log],
      };
    } finally {
      await browser.close();
    }
  } finally {
    await server.close();
  }
}
