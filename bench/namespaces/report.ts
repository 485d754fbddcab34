/**
 * The bench's table: one row per figure, a column per layout (A: one
 * namespace, B: many holding the same sockets between them). The goal is the
 * issue's "50 namespaces × 1,000 sockets cost no more per socket than one
 * namespace of 50,000": B's per-socket figures ÷ A's, ≤ 1.0.
 */
import type { Environment } from '../scale/environment.js';
import type { LayoutResult } from './measure-layout.js';
import type { Options } from './options.js';

/** What a run writes to its JSON (plus the rows), and all the markdown is made from. */
export interface NamespacesRun {
  date: string;
  label: string | null;
  /** The wrapper the run was inside (isolation.ts). */
  isolation: string;
  environment: Environment;
  options: Options;
  results: LayoutResult[];
}

export interface Row {
  figure: string;
  goal: string;
  cells: string[];
}

const fmt = (value: number, digits = 1): string => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const NOT_MEASURED = 'not measured';

/** The divisor of every per-socket figure: what the server listed, else what the holders hold. */
const socketsOf = (r: LayoutResult): number => r.serverSockets ?? r.heldSockets;

/** Server CPU with no client, µs of CPU per second per socket. */
export function perSocketCpuUs(r: LayoutResult): number | null {
  return r.cpu ? (r.cpu.totalMsPerSec * 1000) / socketsOf(r) : null;
}

/** The last sweep's wall time per socket, µs. */
export function perSocketSweepUs(r: LayoutResult): number | null {
  const ms = r.sweep?.medianLastSweepMs;
  return ms === null || ms === undefined ? null : (ms * 1000) / socketsOf(r);
}

/** B ÷ A, said plainly against the goal; the A cell gets the figure alone. */
function ratioCells(results: readonly LayoutResult[], perSocket: (r: LayoutResult) => number | null, unit: string): string[] {
  const base = results[0] ? perSocket(results[0]) : null;
  return results.map((r, i) => {
    const value = perSocket(r);
    if (value === null) return NOT_MEASURED;
    const text = `${fmt(value, 2)} ${unit}`;
    if (i === 0 || base === null || base === 0) return text;
    // Judged as printed: a ratio shown as 1.00 is 1.00.
    const ratio = Number((value / base).toFixed(2));
    return `${text} = **${fmt(ratio, 2)}× A** · ${ratio <= 1 ? 'met' : 'not met'}`;
  });
}

export function buildRows(results: readonly LayoutResult[]): Row[] {
  const per = (figure: string, goal: string, cell: (r: LayoutResult) => string): Row => ({ figure, goal, cells: results.map(cell) });
  const ssA = results[0]?.references.ss.medianCpuMs ?? null;
  const vsSs = (msPerSec: number, r: LayoutResult): string => {
    const own = `${fmt(msPerSec / r.references.ss.medianCpuMs, 2)}× its ss pass`;
    return r === results[0] || ssA === null ? own : `${fmt(msPerSec / ssA, 2)}× ss over A, ${own}`;
  };
  return [
    per('namespaces × pairs (holder processes)', '—', (r) => `${r.namespaceCount} × ${r.pairsPerNamespace.toLocaleString('en-US')} (${r.holders})`),
    per('sockets held; listed by the server', '—', (r) => `${r.heldSockets.toLocaleString('en-US')}; ${r.serverSockets?.toLocaleString('en-US') ?? '—'}`),
    per('C inet_diag dump with INET_DIAG_INFO, once in every namespace, ms CPU', '(floor)', (r) => `${fmt(r.references.floor.medianCpuMs)} ms (${r.references.floor.sockets.toLocaleString('en-US')} sockets)`),
    per('C dump in an empty namespace beside them (what a dump pays before a socket of its own), ms CPU; its dump, ms wall', '—', (r) =>
      r.references.emptyFloor ? `${fmt(r.references.emptyFloor.medianCpuMs)} ms; ${fmt(r.references.emptyFloor.medianDumpMs)} ms` : NOT_MEASURED,
    ),
    per('`ss -tanoiH`, once in every namespace, ms CPU', '(reference)', (r) => `${fmt(r.references.ss.medianCpuMs)} ms = ${fmt(r.references.ss.medianCpuMs / r.references.floor.medianCpuMs, 2)}× floor`),
    per('server start → every socket listed and read once', '—', (r) => (r.settledAfterSec === null ? 'not reached' : `${fmt(r.settledAfterSec)} s`)),
    per('server CPU, no client (steady window)', '—', (r) => (r.cpu ? `${fmt(r.cpu.totalMsPerSec)} ms/s = ${vsSs(r.cpu.totalMsPerSec, r)}` : NOT_MEASURED)),
    { figure: 'server CPU per socket', goal: 'B ≤ 1.0 × A', cells: ratioCells(results, perSocketCpuUs, 'µs/s per socket') },
    per('sweep interval; the last sweep took (median of 5 answers)', '—', (r) =>
      r.sweep ? `every ${r.sweep.intervalMs === null ? '?' : fmt(r.sweep.intervalMs, 0)} ms; ${r.sweep.medianLastSweepMs === null ? '—' : `${fmt(r.sweep.medianLastSweepMs, 0)} ms`}` : NOT_MEASURED,
    ),
    { figure: 'last sweep per socket', goal: 'B ≤ 1.0 × A', cells: ratioCells(results, perSocketSweepUs, 'µs per socket') },
    per('server RSS: max sampled in the window; peak over its life', '—', (r) => (r.memory ? `${fmt(r.memory.windowMaxRssMb, 0)} MB; ${fmt(r.memory.peakRssMb, 0)} MB` : NOT_MEASURED)),
    per('namespaces the server listed (its own included); with an error', '—', (r) => `${r.namespaces.length}; ${r.namespaces.filter((ns) => ns.error !== null).length}`),
  ];
}

/** The goal in one sentence, with the measured ratio said plainly. */
export function verdictLine(results: readonly LayoutResult[]): string {
  const [a, b] = results;
  const cpuA = a ? perSocketCpuUs(a) : null;
  const cpuB = b ? perSocketCpuUs(b) : null;
  if (!a || !b || cpuA === null || cpuB === null || cpuA === 0) return 'Per-socket CPU of B against A: not measured.';
  const ratio = Number((cpuB / cpuA).toFixed(2));
  const sweepA = perSocketSweepUs(a);
  const sweepB = perSocketSweepUs(b);
  const sweep = sweepA && sweepB !== null ? `; its sweep ${fmt(sweepB / sweepA, 2)}× A's per socket` : '';
  return (
    `Per socket, ${b.namespaceCount} namespaces × ${(2 * b.pairsPerNamespace).toLocaleString('en-US')} sockets cost the server ${fmt(ratio, 2)}× the CPU of one namespace of ` +
    `${a.heldSockets.toLocaleString('en-US')}${sweep}. Goal ≤ 1.0: ${ratio <= 1 ? 'met' : '**not met**'}.`
  );
}

export function markdownTable(results: readonly LayoutResult[], rows: readonly Row[]): string {
  const heads = results.map((r) => `${r.tag}: ${r.namespaceCount} namespace${r.namespaceCount === 1 ? '' : 's'}`);
  const lines = [`| figure | goal | ${heads.join(' | ')} |`, `|---|---|${heads.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.figure} | ${row.goal} | ${row.cells.join(' | ')} |`);
  return lines.join('\n');
}

export function renderMarkdown(run: NamespacesRun): string {
  const { environment: env, options, results } = run;
  const notes = results.flatMap((r) => [
    ...r.errors.map((e) => `- ${r.tag}: ${e}`),
    ...r.namespaces.filter((ns) => ns.error !== null).map((ns) => `- ${r.tag}: namespace ${ns.label} not read: ${ns.error}`),
  ]);
  return [
    `# Namespaces benchmark${run.label ? ` (${run.label})` : ''}, ${run.date}`,
    '',
    `Server ${env.serverCommit}; kernel ${env.kernel}, ${env.cpus} CPUs, Node ${env.node}, ${env.ss}; load average ${env.loadAverageAtStart.join(' ')} at the start,` +
      ` ${results.map((r) => `${r.tag} ${r.loadAverage.atStart[0]}→${r.loadAverage.atEnd[0]}`).join(', ')} (1 min).`,
    `Inside private network, PID and mount namespaces (\`${run.isolation}\`): the server saw only this run's namespaces.` +
      ' The server ran in its own namespace, empty but for its listener; every held socket was in a namespace the run created (`ip netns add`), a tenth with keepalive on.' +
      (options.childEhashEntries === null
        ? ' Those namespaces share the kernel’s one TCP hash (tcp_child_ehash_entries 0, as containers’ do): a dump in any of them walks every socket of every namespace.'
        : ` Each of those namespaces had its own TCP hash of ${options.childEhashEntries.toLocaleString('en-US')} buckets (tcp_child_ehash_entries): a dump walks its own sockets only.`),
    `Window ${options.windowSec} s with no client; ss and floor medians of ${options.ssRepeat}.` +
      (options.quick ? ' **Quick run: a short window on few sockets; the ratios are indicative.**' : ''),
    '',
    markdownTable(results, buildRows(results)),
    '',
    verdictLine(results),
    ...(notes.length ? ['', 'Notes:', ...notes.slice(0, 40)] : []),
    '',
  ].join('\n');
}
