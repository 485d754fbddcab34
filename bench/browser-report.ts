/** The browser bench's table: each figure beside issue 13's goal, with the load it was taken under. */
import type { HostEnvironment } from './lib/host-environment.js';
import type { RestWindow, ScrollWindow } from './browser-measure.js';

export interface SizeRun {
  pairs: number;
  loadAverage: { atStart: number[]; atEnd: number[] };
  rest: RestWindow | null;
  scroll: ScrollWindow | null;
  errors: string[];
}

export interface BrowserRun {
  date: string;
  label: string | null;
  environment: HostEnvironment & { serverCommit: string; chromium: string };
  restSeconds: number;
  scrollSeconds: number;
  sizes: SizeRun[];
}

interface Line {
  figure: string;
  goal: string;
  value: string;
  met: boolean | null;
}

// "No layout per frame": a layout per frame is 60 /s. The design is one a second (the countdowns'
// tick) plus one per stream update that changes what is shown; the bound is a tenth of the frames.
const LAYOUTS_PER_SEC_GOAL = 6;
// rAF intervals are whole vsyncs (16.7 ms at 60 Hz), never below: "16 ms a frame" is one vsync.
const FRAME_GOAL_MS = 16.7;

function linesFor(size: SizeRun, restGoals: boolean, scrollGoals: boolean): Line[] {
  const at = `${(size.pairs * 2).toLocaleString('en-US')} sockets`;
  const lines: Line[] = [];
  const r = size.rest;
  if (r) {
    lines.push(
      { figure: `at rest, ${at}: main thread busy (CDP task time)`, goal: restGoals ? '≤ 5%' : '—', value: `${r.busyPercent}% (script ${r.scriptMsPerSec} ms/s)`, met: restGoals ? r.busyPercent <= 5 : null },
      { figure: `at rest, ${at}: main thread CPU (the kernel's count; preemption not included)`, goal: restGoals ? '≤ 5%' : '—', value: `${r.mainThreadCpuPercent}%`, met: restGoals ? r.mainThreadCpuPercent <= 5 : null },
      { figure: `at rest, ${at}: layouts`, goal: restGoals ? `no layout per frame (60 /s): ≤ ${LAYOUTS_PER_SEC_GOAL} /s` : '—', value: `${r.layoutsPerSec} /s`, met: restGoals ? r.layoutsPerSec <= LAYOUTS_PER_SEC_GOAL : null },
      { figure: `at rest, ${at}: style recalcs`, goal: '—', value: `${r.styleRecalcsPerSec} /s`, met: null },
      { figure: `at rest, ${at}: JS heap used, DOM nodes`, goal: '—', value: `${r.heapUsedMb} MB, ${r.domNodes} nodes`, met: null },
    );
  }
  const s = size.scroll;
  if (s) {
    lines.push(
      { figure: `scroll, ${at}: frame interval p95 (p50, max)`, goal: scrollGoals ? '≤ 16 ms (one vsync)' : '—', value: `${s.frameP95Ms} ms (${s.frameP50Ms}, ${s.frameMaxMs}) over ${s.frames} frames`, met: scrollGoals && s.frameP95Ms !== null ? s.frameP95Ms <= FRAME_GOAL_MS : null },
      { figure: `scroll, ${at}: main-thread work per frame, p95`, goal: '—', value: `${s.workP95Ms} ms`, met: null },
      { figure: `scroll, ${at}: JS heap used after the scroll (after a GC)`, goal: scrollGoals ? '≤ 200 MB' : '—', value: `${s.heapUsedMb} MB (${s.heapUsedAfterGcMb} MB)`, met: scrollGoals ? s.heapUsedMb <= 200 : null },
      { figure: `scroll, ${at}: layouts per frame`, goal: '—', value: String(s.layoutsPerFrame), met: null },
      { figure: `scroll, ${at}: long animation frames (> 50 ms), longest scripts`, goal: '—', value: `${s.longFrames}: ${s.longFrameScripts.join('; ') || '—'}`, met: null },
    );
  }
  return lines;
}

const verdict = (line: Line): string => (line.met === null ? '' : line.met ? 'met' : '**not met**');

export function renderMarkdown(run: BrowserRun): string {
  const env = run.environment;
  const rows = run.sizes.flatMap((size, i) => linesFor(size, size.pairs * 2 <= 10_000 || i === 0, size.pairs * 2 >= 100_000 || i === run.sizes.length - 1));
  const notes = run.sizes.flatMap((size) => size.errors.map((e) => `- at ${size.pairs * 2} sockets: ${e}`));
  return [
    `# Browser cost benchmark${run.label ? ` (${run.label})` : ''}, ${run.date}`,
    '',
    `Server ${env.serverCommit}; ${env.chromium}, headless, 1440×900; kernel ${env.kernel}, ${env.cpus} CPUs, Node ${env.node};` +
      ` network namespace ${env.netns} with ${env.socketsBeforeStart ?? '?'} TCP sockets before the holders.`,
    `Load average (1 min) at start → end of each size: ${run.sizes.map((s) => `${s.pairs * 2} sockets ${s.loadAverage.atStart[0]}→${s.loadAverage.atEnd[0]}`).join(', ')}.`,
    `Rest window ${run.restSeconds} s (Chromium's Performance.getMetrics), scroll ${run.scrollSeconds} s of scrollTop steps from the page (rAF intervals).`,
    '',
    '| figure | goal | value | verdict |',
    '|---|---|---|---|',
    ...rows.map((l) => `| ${l.figure} | ${l.goal} | ${l.value} | ${verdict(l)} |`),
    ...(notes.length ? ['', 'Notes:', ...notes] : []),
    '',
  ].join('\n');
}
