/** The soak's figures as lines of text: what was measured, with how, beside each number. */
import { STREAM_SOCKET } from './model.js';
import { median, percentile } from '../server/stats.js';
import { mb, type ClientRow, type CpuRate, type SoakResult, type SoakStart } from './run.js';

const fixed = (n: number | null, digits = 0): string => (n === null ? 'n/a' : n.toFixed(digits));
const cpu = (rate: CpuRate): string =>
  `${rate.totalMsPerSec.toFixed(0)} ms/s (user ${rate.userMsPerSec.toFixed(0)} + sys ${rate.systemMsPerSec.toFixed(0)}, over ${rate.wallSec.toFixed(1)} s)`;

/** Five clients a line: frames received (snapshots + deltas + events), lag in collections, bytes. */
export function clientTable(list: readonly ClientRow[]): string[] {
  const cells = list.map(
    (c) =>
      `#${String(c.index).padStart(2, '0')} ${String(c.frames).padStart(5)} (${c.snapshots}/${c.deltas}/${c.events}) lag ${c.lag} ${mb(c.payloadBytes).padStart(9)}` +
      (c.foldedDeltas ? ` ${c.foldedDeltas} folded` : '') +
      (c.closed ? ` CLOSED ${c.closed.code}` : ''),
  );
  const lines: string[] = [];
  for (let i = 0; i < cells.length; i += 5) lines.push(`    ${cells.slice(i, i + 5).join(' | ')}`);
  return lines;
}

/** How the server caught up clients that fell behind: folded deltas, or whole snapshots again. */
function catchUp(list: readonly ClientRow[], since?: readonly ClientRow[]): string {
  const before = new Map((since ?? []).map((c) => [c.index, c]));
  const folded = list.map((c) => c.foldedDeltas - (before.get(c.index)?.foldedDeltas ?? 0));
  const spanned = list.map((c) => c.seqsFolded - (before.get(c.index)?.seqsFolded ?? 0));
  const resyncs = list.map((c) => c.snapshots - (before.get(c.index)?.snapshots ?? 1));
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  return (
    `  catch-up${since ? ' in the window' : ''}: ${folded.filter((n) => n > 0).length} client(s) got ${sum(folded)} folded deltas spanning ${sum(spanned)} collections; ` +
    `${resyncs.filter((n) => n > 0).length} client(s) were sent the whole state again ${sum(resyncs)} times`
  );
}

/** How long clients took, ms per client index: spread and the slowest few, in seconds. */
function timings(label: string, msByClient: readonly number[]): string {
  // flatMap skips the holes of clients never timed.
  const list = msByClient.flatMap((ms, index) => [{ ms, index }]);
  if (list.length === 0) return `  ${label}: none`;
  const ms = list.map((x) => x.ms);
  const s = (x: number | null): string => (x === null ? 'n/a' : `${(x / 1000).toFixed(1)} s`);
  const slowest = [...list].sort((a, b) => b.ms - a.ms).slice(0, 5);
  return `  ${label}: min ${s(Math.min(...ms))}, median ${s(median(ms))}, p95 ${s(percentile(ms, 95))}, max ${s(Math.max(...ms))}; slowest ${slowest.map((x) => `#${x.index} ${s(x.ms)}`).join(', ')}`;
}

/** What the `changed` views of the window's deltas changed, from client 0's tally. */
function changedFieldsLine(end: readonly ClientRow[], start: readonly ClientRow[]): string {
  const after = end.find((c) => c.index === 0)?.changedFields ?? {};
  const before = start.find((c) => c.index === 0)?.changedFields ?? {};
  const counts = Object.entries(after)
    .map(([field, n]): [string, number] => [field, n - (before[field] ?? 0)])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  if (counts.length === 0) return '  changed views in the window differed in: nothing (no view changed)';
  const own = counts.find(([f]) => f === STREAM_SOCKET)?.[1] ?? 0;
  const views = counts.find(([f]) => f === 'sampledAt')?.[1] ?? null;
  return (
    `  changed views in the window differed in (client #0's count of views per field): ${counts.filter(([f]) => f !== STREAM_SOCKET).slice(0, 8).map(([f, n]) => `${f} ${n}`).join(', ')}; ` +
    `${own}${views === null ? '' : ` of ~${views}`} changed views were the stream's own sockets (either end on the server's port)`
  );
}

function problems(list: readonly ClientRow[]): string[] {
  const bad = list.filter((c) => c.inconsistencies > 0 || c.sizeMismatches > 0 || c.errors.length > 0 || c.closed);
  if (bad.length === 0) return ['  client models: every frame applied cleanly (seq increasing, ids consistent, size = totals.connections after each)'];
  return [
    `  client models: ${bad.length} client(s) with problems:`,
    ...bad.slice(0, 10).map(
      (c) =>
        `    #${c.index}: ${c.inconsistencies} inconsistencies, ${c.sizeMismatches} size mismatches; ` +
        `${[...c.problems, ...c.errors].join('; ')}${c.closed ? `; closed ${c.closed.code} ${c.closed.reason}` : ''}`,
    ),
  ];
}

export function startLines(s: SoakStart): string[] {
  const st = s.start;
  const snapshotBytes = st.clients.map((c) => c.payloadBytes);
  return [
    `START (every client has its snapshot and has caught up, then ${s.options.settleTicks} more collections)`,
    `  setup: ${s.setup.pairs} pairs in ${(s.setup.fleetMs / 1000).toFixed(1)} s; server up in ${s.setup.serverStartMs.toFixed(0)} ms; ` +
      `first collection ${s.setup.connections} connections after ${s.setup.firstCollectionMs.toFixed(0)} ms; ${s.options.clients} clients had their snapshots and had caught up ${(s.setup.clientsReadyMs / 1000).toFixed(1)} s after connecting`,
    `  server memory before any client: RSS ${mb(s.beforeClients.rssBytes)}, heap used ${mb(s.beforeClients.heapUsedBytes)} of ${mb(s.beforeClients.heapTotalBytes)}`,
    `  server memory at start: RSS ${mb(st.memory.rssBytes)}, heap used ${mb(st.memory.heapUsedBytes)} of ${mb(st.memory.heapTotalBytes)}, external ${mb(st.memory.externalBytes)}`,
    `  server CPU (process.cpuUsage of the server's process, per wall second) from its start to here: ${cpu(s.warmupCpu)}`,
    `  server seq ${st.serverSeq}, ${st.connections} connections in the last collection`,
    `  received so far: ${mb(snapshotBytes.reduce((a, b) => a + b, 0))} payload in all (${mb(Math.min(...snapshotBytes))}–${mb(Math.max(...snapshotBytes))} per client); ` +
      `lag now max ${Math.max(...st.clients.map((c) => c.lag))}`,
    timings('first caught up, after connecting', s.setup.caughtUpMs),
    catchUp(st.clients),
    '  per client: frames received (snapshots/deltas/events), lag = server seq − model seq (collections), payload bytes received:',
    ...clientTable(st.clients),
  ];
}

function drainLines(drain: SoakResult['drain']): string[] {
  if (drain === null) return ['  drain: none (interrupted)'];
  const verdict = drain.differing.length
    ? `${drain.differing.length} model(s) differ from the server's table (${drain.serverDigest}): ${drain.differing.slice(0, 5).map((d) => `#${d.index} ${d.digest}`).join(', ')}`
    : `every model equals the server's table (${drain.serverDigest})`;
  return [
    `  drain: collector stopped at seq ${drain.serverSeq}; every client there with nothing queued after ${(drain.ms / 1000).toFixed(1)} s; ${verdict}`,
    timings('at the last seq, after the collector stopped', drain.drainedMs),
  ];
}

export function endLines(r: SoakResult): string[] {
  const st = r.start;
  const en = r.end;
  const w = r.window;
  const limit = st.memory.rssBytes * 1.5 + 50 * 1024 * 1024;
  const behind = en.clients.filter((c) => c.lag > 1);
  return [
    `END${r.aborted ? ' (interrupted early)' : ''} after a ${w.cpu.wallSec.toFixed(1)} s window`,
    `  server RSS: start ${mb(st.memory.rssBytes)} → end ${mb(en.memory.rssBytes)} (limit start × 1.5 + 50 MB = ${mb(limit)}); peak seen ${mb(r.peakRssBytes)} (sampled once a second from the server's start)`,
    `  server heap used: start ${mb(st.memory.heapUsedBytes)} → end ${mb(en.memory.heapUsedBytes)}; heap total ${mb(st.memory.heapTotalBytes)} → ${mb(en.memory.heapTotalBytes)}; external ${mb(st.memory.externalBytes)} → ${mb(en.memory.externalBytes)}`,
    `  server CPU in the window: ${cpu(w.cpu)}; rates from a 1 s timer (${w.cpuPerSecond.samples} samples in ${w.cpu.wallSec.toFixed(0)} s; fewer means the event loop was blocked): min ${fixed(w.cpuPerSecond.min)}, median ${fixed(w.cpuPerSecond.median)}, p95 ${fixed(w.cpuPerSecond.p95)}, max ${fixed(w.cpuPerSecond.max)} ms/s`,
    `  collections in the window: ${w.ticks.count} (seq ${st.serverSeq} → ${en.serverSeq}); wall per collection median ${fixed(w.ticks.collectMsMedian)} ms, p95 ${fixed(w.ticks.collectMsP95)} ms; ` +
      `views added ${w.ticks.added}, changed ${w.ticks.changed}, removed ${w.ticks.removed}`,
    `  ${en.connections} connections in the last collection`,
    `  lag: at the end max ${Math.max(...en.clients.map((c) => c.lag))} (${behind.length} client(s) more than one frame behind); ` +
      `worst in ${w.maxLag.samples} once-a-second samples: ${w.maxLag.frames}${w.maxLag.client === null ? '' : ` (client #${w.maxLag.client})`}`,
    `  bytes received by the ${en.clients.length} clients in the window: ${mb(w.payloadBytes)} payload, ${mb(w.wireBytes)} on the wire ` +
      `(${mb(w.payloadBytes / Math.max(1, w.cpu.wallSec))}/s); since they connected: ${mb(en.clients.reduce((s, c) => s + c.payloadBytes, 0))} payload, ${mb(en.clients.reduce((s, c) => s + c.wireBytes, 0))} on the wire`,
    `  client processes (parsing and applying, not the server): ${w.clientHostsCpuMsPerSec.toFixed(0)} ms/s CPU together, RSS ${en.hosts.map((h) => mb(h.rssBytes)).join(', ')}`,
    catchUp(en.clients, st.clients),
    changedFieldsLine(en.clients, st.clients),
    ...problems(en.clients),
    ...drainLines(r.drain),
    '  per client: frames received (snapshots/deltas/events), lag = server seq − model seq (collections), payload bytes received:',
    ...clientTable(en.clients),
    ...(r.serverLog.length ? [`  server log (${r.serverLog.length} lines): ${r.serverLog.slice(0, 5).join(' | ')}`] : []),
  ];
}
