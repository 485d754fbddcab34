/** The server benchmark's markdown table, its explanations and target lines. */
import type { HostEnvironment } from '../lib/host-environment.js';
import type { FrameTally } from './frames.js';
import type { LoopDelay, SizeResult } from './measure-size.js';
import type { LatencyResult } from './patch-latency.js';
import { median, percentile } from './stats.js';
import type { TickSummary } from './ticks.js';

const ms = (v: number | null | undefined): string =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0);
const int = (v: number): string => Math.round(v).toLocaleString('en-US');
const bytes = (v: number): string => (v >= 1e6 ? `${(v / 1e6).toFixed(2)} MB` : v >= 1e4 ? `${(v / 1e3).toFixed(1)} kB` : `${int(v)} B`);

function topFields(fields: Record<string, number>, n = 3): string {
  const sorted = Object.entries(fields).sort((a, b) => b[1] - a[1]);
  if (sorted.length === 0) return '';
  const list = sorted.slice(0, n).map(([f, c]) => `${f} ×${int(c)}`);
  return ` (${list.join(', ')}${sorted.length > n ? ', …' : ''})`;
}

function deltaLine(t: FrameTally): string {
  return `${bytes(t.bytes)} in ${t.frames} frame${t.frames === 1 ? '' : 's'}: +${int(t.added)} −${int(t.removed)} ~${int(t.changed)}`;
}

function cpuCell(t: TickSummary): string {
  return `${ms(t.cpuMsPerTick.median)} (${ms(t.cpuMsPerTick.mean)}, ${ms(t.cpuMsPerTick.p95)}) over ${t.count} ticks`;
}

function responseCell(l: LatencyResult | null): string {
  return l ? `${ms(percentile(l.responseMs, 50))} / ${ms(percentile(l.responseMs, 95))}` : '—';
}

function latencyCell(l: LatencyResult | null): string {
  if (!l) return 'not measured';
  const failed = l.attempts - l.samplesMs.length;
  return `${ms(l.p50Ms)} / ${ms(l.p95Ms)} (max ${ms(l.maxMs)}, n=${l.samplesMs.length}${failed ? `, ${failed} failed` : ''})`;
}

const loop = (d: LoopDelay): string => `${ms(d.p50Ms)} / ${ms(d.p99Ms)} / ${ms(d.maxMs)}`;

const origins = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([o, n]) => `${o} ${int(n)}`)
    .join(', ');

const ROWS: [string, (r: SizeResult) => string][] = [
  ['sockets in the snapshot', (r) => int(r.snapshot.connections)],
  ['… held by processes outside this run / no holder known', (r) => `${int(r.snapshot.heldByOthers)} / ${int(r.snapshot.noKnownHolder)}`],
  ['load average 1/5/15 min: start → after the ticks → end', (r) => `${r.loadAverage.atStart.join(' ')} → ${r.loadAverage.afterTicks.join(' ')} → ${r.loadAverage.atEnd.join(' ')}`],
  ['warm-up before measuring (ticks, s, changed per tick)', (r) => `${r.warmup.ticks} ticks, ${(r.warmup.waitedMs / 1000).toFixed(1)} s, ${r.warmup.settled ? 'settled' : '**not settled**'}: ${r.warmup.changedPerTick.map(int).join(' ')}`],
  ['server CPU per tick, user+sys ms, no client: median (mean, p95)', (r) => cpuCell(r.ticks)],
  ['… user / sys, median ms', (r) => `${ms(r.ticks.cpuUserMsMedian)} / ${ms(r.ticks.cpuSysMsMedian)}`],
  ['wall ms per collect (lastCollection().durationMs), no client: median (p95)', (r) => `${ms(r.ticks.collectMs.median)} (${ms(r.ticks.collectMs.p95)})`],
  ['server event-loop delay during those ticks: p50 / p99 / max ms', (r) => loop(r.eventLoopDelay.duringTicks)],
  ['`ss -tanoiH` wall ms, median', (r) => `${ms(r.ss.medianMs)} (${r.ss.sockets === null ? '?' : int(r.ss.sockets)} sockets)`],
  ['collect ÷ `ss -tanoiH`', (r) => (r.ss.collectOverSs === null ? '—' : `${r.ss.collectOverSs.toFixed(2)}×`)],
  ['server CPU per tick with 1 stream client, median (mean, p95)', (r) => cpuCell(r.ticksWithClient)],
  ['wall ms per collect with 1 stream client, median (p95)', (r) => `${ms(r.ticksWithClient.collectMs.median)} (${ms(r.ticksWithClient.collectMs.p95)})`],
  ['snapshot size (arrival after open; client JSON.parse)', (r) => `${bytes(r.snapshot.bytes)} (${ms(r.snapshot.arrivalMs)} ms; ${ms(r.snapshot.clientParseMs)} ms)`],
  ['snapshot bytes per connection', (r) => r.snapshot.bytesPerConnection.toFixed(0)],
  ['keepalive origin in the snapshot', (r) => origins(r.snapshot.keepaliveOrigins)],
  ['idle stream after the snapshot, payload B/s (wire B/s)', (r) => `${int(r.idle.payloadBytesPerSec)} (${int(r.idle.wireBytesPerSec)}) over ${r.idle.seconds.toFixed(1)} s`],
  ['… per second, payload B (median)', (r) => `${r.idle.perSecondPayloadBytes.map(int).join(' · ')} (${int(median(r.idle.perSecondPayloadBytes) ?? 0)})`],
  ['… frames', (r) => Object.entries(r.idle.byFrameType).map(([t, v]) => `${t} ×${v.frames} (${bytes(v.bytes)})`).join(', ')],
  ['… what the deltas carried', (r) => `${deltaLine(r.idle.deltas)}${topFields(r.idle.deltas.changedFields)}`],
  ['keepalive origin at the window’s end (client’s copy)', (r) => origins(r.idle.originsAtEnd)],
  ['1% churn: pairs closed + reopened (holder ms)', (r) => `${int(r.churn.pairs)} (${ms(r.churn.holderMs)} ms) → expect +${int(r.churn.expectedAddedRemoved)} −${int(r.churn.expectedAddedRemoved)}`],
  ['1% churn: delta frame(s)', (r) => `${deltaLine(r.churn.delta)}${r.churn.complete ? '' : ' — **incomplete**'}${r.churn.snapshots ? `; ${r.churn.snapshots} resync snapshot(s) meanwhile` : ''}`],
  ['1% churn: follow-up deltas (next 6 s)', (r) => `${deltaLine(r.churn.followUp)}${topFields(r.churn.followUp.changedFields)}`],
  ['PATCH → stream, owned: p50 / p95 ms', (r) => latencyCell(r.latency.owned)],
  ['PATCH → stream, foreign: p50 / p95 ms', (r) => latencyCell(r.latency.foreign)],
  ['server event-loop delay during the PATCHes: p50 / p99 / max ms', (r) => loop(r.eventLoopDelay.duringPatches)],
  ['PATCH response alone, p50 / p95 ms, owned; foreign', (r) => `${responseCell(r.latency.owned)}; ${responseCell(r.latency.foreign)}`],
  ['snapshots received by the one client', (r) => int(r.snapshotsReceived)],
  ['server RSS after the ticks', (r) => `${int(r.rssMb)} MB`],
];

export function printTable(results: SizeResult[], env: HostEnvironment): void {
  console.log(`| metric | ${results.map((r) => `${int(r.pairs)} pairs`).join(' | ')} |`);
  console.log(`|---|${results.map(() => '---').join('|')}|`);
  for (const [name, cell] of ROWS) console.log(`| ${name} | ${results.map((r) => cell(r).replace(/\|/g, '\\|')).join(' | ')} |`);
  console.log(
    `\nNetwork namespace ${env.netns}: ${env.socketsBeforeStart ?? '?'} TCP sockets in it before the holders started. ${env.cpus} CPUs, kernel ${env.kernel}, Node ${env.node}, ${env.ss}.`,
  );
  for (const r of results) {
    if (r.idle.mostChanged.length === 0) continue;
    console.log(`\nChanged most often in the idle window at ${int(r.pairs)} pairs (times: connection → fields a viewer would see change):`);
    for (const c of r.idle.mostChanged) console.log(`- ${c.times}×: ${c.what} → ${c.fields.join(', ')}`);
  }
  console.log('\nTargets:');
  const verdict = (p95: number | null | undefined, limit: number) => (p95 === null || p95 === undefined ? 'not measured' : p95 <= limit ? 'met' : 'not met');
  for (const r of results) {
    console.log(
      `- ${int(r.pairs)} pairs: PATCH→stream p95 ≤ 50 ms owned **${verdict(r.latency.owned?.p95Ms, 50)}** (${ms(r.latency.owned?.p95Ms)}); ` +
        `p95 ≤ 100 ms foreign **${verdict(r.latency.foreign?.p95Ms, 100)}** (${ms(r.latency.foreign?.p95Ms)}); ` +
        `idle stream ${int(r.idle.payloadBytesPerSec)} B/s, median second ${int(median(r.idle.perSecondPayloadBytes) ?? 0)} B (target: close to zero)`,
    );
  }
}
