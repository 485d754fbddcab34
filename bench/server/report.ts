/** The server benchmark's markdown table and target lines. */
import type { FrameTally, SizeResult } from './measure-size.js';
import type { LatencyResult } from './patch-latency.js';
import { median } from './stats.js';

export interface Environment {
  kernel: string;
  node: string;
  cpus: number;
  ss: string;
  /** True when run in its own network namespace (unshare -n): no other session's sockets in the dumps. */
  isolatedNetns: boolean;
  socketsBeforeStart: number | null;
}

const ms = (v: number | null | undefined): string => (v === null || v === undefined || Number.isNaN(v) ? '—' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));
const int = (v: number): string => v.toLocaleString('en-US');
const bytes = (v: number): string => (v >= 1e6 ? `${(v / 1e6).toFixed(2)} MB` : v >= 1e4 ? `${(v / 1e3).toFixed(1)} kB` : `${int(v)} B`);

function topFields(fields: Record<string, number>, n = 3): string {
  const sorted = Object.entries(fields).sort((a, b) => b[1] - a[1]);
  if (sorted.length === 0) return '';
  return ` (${sorted
    .slice(0, n)
    .map(([f, c]) => `${f} ×${int(c)}`)
    .join(', ')}${sorted.length > n ? ', …' : ''})`;
}

function deltaLine(t: FrameTally): string {
  return `${bytes(t.bytes)} in ${t.frames} frame${t.frames === 1 ? '' : 's'}: +${int(t.added)} −${int(t.removed)} ~${int(t.changed)}`;
}

function latencyCell(l: LatencyResult | null): string {
  if (!l) return 'not measured';
  const failed = l.attempts - l.samplesMs.length;
  return `${ms(l.p50Ms)} / ${ms(l.p95Ms)} (max ${ms(l.maxMs)}, n=${l.samplesMs.length}${failed ? `, ${failed} failed` : ''})`;
}

export function printTable(results: SizeResult[], env: Environment): void {
  const rows: [string, (r: SizeResult) => string][] = [
    ['sockets in the snapshot', (r) => int(r.snapshot.connections)],
    ['load average 1/5/15 min (start → end)', (r) => `${r.loadAverage.atStart.join(' ')} → ${r.loadAverage.atEnd.join(' ')}`],
    ['server CPU per tick, user+sys ms: median (mean, p95)', (r) => `${ms(r.ticks.cpuMsPerTick.median)} (${ms(r.ticks.cpuMsPerTick.mean)}, ${ms(r.ticks.cpuMsPerTick.p95)}) over ${r.ticks.count} ticks`],
    ['… of which user / sys, median ms', (r) => `${ms(r.ticks.cpuUserMsMedian)} / ${ms(r.ticks.cpuSysMsMedian)}`],
    ['wall ms per collect (store.lastCollection): median (p95)', (r) => `${ms(r.ticks.collectMs.median)} (${ms(r.ticks.collectMs.p95)})`],
    ['`ss -tanoiH` wall ms, median', (r) => `${ms(r.ss.medianMs)} (${r.ss.sockets === null ? '?' : int(r.ss.sockets)} sockets)`],
    ['collect ÷ `ss -tanoiH`', (r) => (r.ss.collectOverSs === null ? '—' : `${r.ss.collectOverSs.toFixed(2)}×`)],
    ['idle stream, payload B/s (wire B/s)', (r) => `${int(Math.round(r.idle.payloadBytesPerSec))} (${int(Math.round(r.idle.wireBytesPerSec))}) over ${r.idle.seconds.toFixed(1)} s`],
    ['idle stream, per second, payload B', (r) => r.idle.perSecondPayloadBytes.map(int).join(' · ')],
    ['idle stream, what flowed', (r) => `${deltaLine(r.idle.deltas)}${topFields(r.idle.deltas.changedFields)}; ${Object.entries(r.idle.byFrameType).map(([t, v]) => `${t} ×${v.frames}`).join(', ')}`],
    ['snapshot size', (r) => `${bytes(r.snapshot.bytes)} (arrived ${ms(r.snapshot.arrivalMs)} ms after open; client parse ${ms(r.snapshot.clientParseMs)} ms)`],
    ['snapshot bytes per connection', (r) => r.snapshot.bytesPerConnection.toFixed(0)],
    ['keepalive origin in the snapshot', (r) => Object.entries(r.snapshot.keepaliveOrigins).map(([o, n]) => `${o} ${int(n)}`).join(', ')],
    ['1% churn: pairs closed + reopened (holder ms)', (r) => `${int(r.churn.pairs)} (${ms(r.churn.holderMs)} ms) → expect +${int(r.churn.expectedAddedRemoved)} −${int(r.churn.expectedAddedRemoved)}`],
    ['1% churn: delta frame(s)', (r) => deltaLine(r.churn.delta)],
    ['1% churn: follow-up deltas (next 6 s)', (r) => `${deltaLine(r.churn.followUp)}${topFields(r.churn.followUp.changedFields)}`],
    ['PATCH → stream, owned: p50 / p95 ms', (r) => latencyCell(r.latency.owned)],
    ['PATCH → stream, foreign: p50 / p95 ms', (r) => latencyCell(r.latency.foreign)],
    ['PATCH response p50 ms, owned / foreign', (r) => `${ms(median(r.latency.owned?.responseMs ?? []))} / ${ms(median(r.latency.foreign?.responseMs ?? []))}`],
    ['server RSS after warm-up', (r) => `${int(r.rssMb)} MB`],
  ];
  console.log(`| metric | ${results.map((r) => `${int(r.pairs)} pairs`).join(' | ')} |`);
  console.log(`|---|${results.map(() => '---').join('|')}|`);
  for (const [name, cell] of rows) console.log(`| ${name} | ${results.map((r) => cell(r).replace(/\|/g, '\\|')).join(' | ')} |`);
  console.log(
    `\n${env.isolatedNetns ? 'Own network namespace (unshare -n): the dumps hold only this run’s sockets.' : `Host network namespace: other sessions’ sockets are in every dump (${env.socketsBeforeStart ?? '?'} TCP sockets before the holders started).`} ${env.cpus} CPUs, kernel ${env.kernel}, Node ${env.node}.`,
  );
  console.log('Targets:');
  for (const r of results) {
    const verdict = (p95: number | null | undefined, limit: number) => (p95 === null || p95 === undefined ? 'not measured' : p95 <= limit ? 'met' : 'not met');
    console.log(
      `- ${int(r.pairs)} pairs: p95 ≤ 50 ms owned **${verdict(r.latency.owned?.p95Ms, 50)}** (${ms(r.latency.owned?.p95Ms)}); p95 ≤ 100 ms foreign **${verdict(r.latency.foreign?.p95Ms, 100)}** (${ms(r.latency.foreign?.p95Ms)}); idle stream ${ms(r.idle.payloadBytesPerSec)} B/s (target: close to zero)`,
    );
  }
}
