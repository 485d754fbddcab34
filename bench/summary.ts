/**
 * The one table `npm run bench` ends with: every target the issues set,
 * read from the JSON each benchmark wrote in this run, met or not.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const RESULTS = new URL('./results/', import.meta.url).pathname;

interface Row {
  bench: string;
  target: string;
  met: boolean | null;
  detail: string;
}

function read(name: string): Record<string, unknown> | null {
  const path = join(RESULTS, name);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : null;
}

const p95 = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? NaN;
};

export function summarize(since: number): Row[] {
  const rows: Row[] = [];
  const fresh = (d: Record<string, unknown> | null): d is Record<string, unknown> => d !== null && Date.parse(String(d.date)) >= since;
  const host = read('host-wide.json');
  if (fresh(host)) {
    for (const t of host.targets as { target: string; met: boolean; detail: string }[]) rows.push({ bench: 'host-wide', ...t });
  }
  const server = read('server.json');
  if (fresh(server)) {
    for (const r of server.results as { pairs: number; latency?: Record<string, { samplesMs: number[] }> }[]) {
      for (const [kind, limit] of [['owned', 50], ['foreign', 100]] as const) {
        const samples = r.latency?.[kind]?.samplesMs ?? [];
        if (samples.length === 0) continue;
        const value = p95(samples);
        rows.push({ bench: 'server', target: `PATCH → stream p95 ≤ ${limit} ms, ${kind}, ${r.pairs} pairs`, met: value <= limit, detail: `${value.toFixed(0)} ms (n=${samples.length})` });
      }
    }
  }
  const ui = read('ui.json');
  if (fresh(ui)) {
    for (const t of ui.targets as { connections: number; intervalP95: boolean; workP95: boolean }[]) {
      rows.push({ bench: 'ui', target: `scroll frame interval p95 ≤ one frame, ${t.connections} rows`, met: t.intervalP95, detail: 'see the UI table above' });
      rows.push({ bench: 'ui', target: `scroll main-thread work p95 ≤ 16 ms, ${t.connections} rows`, met: t.workP95, detail: 'see the UI table above' });
    }
  }
  return rows;
}

export function printSummary(since: number): void {
  const rows = summarize(since);
  console.log('\n## Targets (this run)\n');
  console.log('| bench | target | met | measured |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.bench} | ${r.target} | ${r.met === null ? '–' : r.met ? 'met' : 'NOT met'} | ${r.detail} |`);
  writeFileSync(join(RESULTS, 'summary.json'), JSON.stringify({ date: new Date().toISOString(), rows }, null, 2));
  console.log(`\nfigures: ${RESULTS}*.json (summary.json holds this table)`);
}
