/**
 * What one page costs the browser, read with CDP on a dashboard already
 * logged in: Chromium's own counters (Performance.getMetrics) over a window
 * with nothing changing, and rAF frame intervals while the table scrolls
 * (the scroll is bench/ui/page-probe.ts's, driven from the page).
 */
import type { CDPSession, Page } from 'playwright-core';

import { startRendererCpu } from './lib/renderer-cpu.js';
import { percentile, round, sleep } from './server/stats.js';
import { PROBE_INIT_SCRIPT, scrollScript, type ScrollProbe } from './ui/page-probe.js';

export { PROBE_INIT_SCRIPT };

export interface RestWindow {
  seconds: number;
  /** Main-thread task time ÷ wall time, % (CDP TaskDuration: wall time in tasks, preemption included). */
  busyPercent: number;
  /** CPU the kernel charged the renderer main thread ÷ wall time, %. */
  mainThreadCpuPercent: number;
  layoutsPerSec: number;
  styleRecalcsPerSec: number;
  scriptMsPerSec: number;
  heapUsedMb: number;
  domNodes: number;
}

export interface ScrollWindow {
  seconds: number;
  pxPerFrame: number;
  frames: number;
  frameP50Ms: number | null;
  frameP95Ms: number | null;
  frameMaxMs: number | null;
  /** Main-thread work per frame, scroll event to after its paint (page-probe.ts), p95. */
  workP95Ms: number | null;
  /** Layouts per frame by Chromium's count over the scroll. */
  layoutsPerFrame: number;
  heapUsedMb: number;
  heapUsedAfterGcMb: number;
  /** Long Animation Frames (> 50 ms) and their longest scripts, as Chromium attributes them. */
  longFrames: number;
  longFrameScripts: string[];
}

const ROWS_TIMEOUT_MS = 240_000;
// A row showing a connection (an address:port), not a spacer or an empty state.
const HAS_ROWS = `(() => [...document.querySelectorAll('table.connections tbody tr')].some((r) => /:\\d+/.test(r.textContent ?? '')))()`;
const MB = 1024 * 1024;

/** Polled from Node: page.waitForFunction evaluates in the page, which its CSP forbids. */
export async function waitForRows(page: Page): Promise<void> {
  const deadline = performance.now() + ROWS_TIMEOUT_MS;
  while (!((await page.evaluate(HAS_ROWS)) as boolean)) {
    if (performance.now() > deadline) throw new Error(`no connection row within ${ROWS_TIMEOUT_MS / 1000} s`);
    await sleep(200);
  }
}

async function metrics(cdp: CDPSession): Promise<Map<string, number>> {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return new Map(list.map((m) => [m.name, m.value]));
}

/** Chromium's counters over `seconds` with the page left alone. Durations are seconds of main-thread time. */
export async function measureRest(cdp: CDPSession, seconds: number, profileMarker: string): Promise<RestWindow> {
  await cdp.send('Performance.enable', { timeDomain: 'timeTicks' });
  const before = await metrics(cdp);
  const cpuPercent = startRendererCpu(profileMarker);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const after = await metrics(cdp);
  const mainThreadCpuPercent = cpuPercent();
  const wallSec = (performance.now() - t0) / 1000;
  const perSec = (name: string): number => ((after.get(name) ?? 0) - (before.get(name) ?? 0)) / wallSec;
  return {
    seconds: round(wallSec, 1) as number,
    busyPercent: round(perSec('TaskDuration') * 100, 1) as number,
    mainThreadCpuPercent: round(mainThreadCpuPercent, 1) as number,
    layoutsPerSec: round(perSec('LayoutCount'), 2) as number,
    styleRecalcsPerSec: round(perSec('RecalcStyleCount'), 2) as number,
    scriptMsPerSec: round(perSec('ScriptDuration') * 1000, 1) as number,
    heapUsedMb: round((after.get('JSHeapUsedSize') ?? 0) / MB, 1) as number,
    domNodes: after.get('Nodes') ?? 0,
  };
}

/** Scrolls the table for `seconds`, `pxPerFrame` a frame; the page needs PROBE_INIT_SCRIPT installed before load. */
export async function measureScroll(page: Page, cdp: CDPSession, seconds: number, pxPerFrame: number): Promise<ScrollWindow> {
  await cdp.send('Performance.enable', { timeDomain: 'timeTicks' });
  const before = await metrics(cdp);
  const scroll = (await page.evaluate(scrollScript(seconds * 1000, pxPerFrame))) as ScrollProbe;
  const after = await metrics(cdp);
  const frames = scroll.intervalsMs.length + 1;
  const heapUsedMb = (after.get('JSHeapUsedSize') ?? 0) / MB;
  await cdp.send('HeapProfiler.collectGarbage');
  const gc = await metrics(cdp);
  return {
    seconds: round(scroll.elapsedMs / 1000, 1) as number,
    pxPerFrame,
    frames,
    frameP50Ms: round(percentile(scroll.intervalsMs, 50), 1),
    frameP95Ms: round(percentile(scroll.intervalsMs, 95), 1),
    frameMaxMs: round(scroll.intervalsMs.length ? Math.max(...scroll.intervalsMs) : null, 1),
    workP95Ms: round(percentile(scroll.workMs, 95), 1),
    layoutsPerFrame: round(((after.get('LayoutCount') ?? 0) - (before.get('LayoutCount') ?? 0)) / frames, 2) as number,
    heapUsedMb: round(heapUsedMb, 1) as number,
    heapUsedAfterGcMb: round((gc.get('JSHeapUsedSize') ?? 0) / MB, 1) as number,
    longFrames: scroll.longFrames.length,
    longFrameScripts: [...new Set(scroll.longFrames.map((f) => f.topScript ?? `no script (render ${Math.round(f.renderMs)} ms)`))].slice(0, 8),
  };
}
