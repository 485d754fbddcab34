/**
 * Host-wide collection: the cost of one full listing of every TCP socket on
 * the host, at 1k / 10k / 50k idle loopback pairs held by child processes,
 * for each of our sources, for `ss` itself, and for a C program that does
 * nothing but the netlink dump (the floor). All in the same run, medians of
 * --repeat samples, taken interleaved so drift from other load hits every row alike.
 *
 *   npm run bench                                   (every bench; this one at the defaults)
 *   node --import tsx bench/host-wide.ts --quick    (1k pairs, 3 repeats)
 *   node --import tsx bench/host-wide.ts --sizes 1000,20000 --repeat 9
 *
 * With NODE_OPTIONS=--expose-gc the heap is collected before each sample, so
 * an in-process row does not pay for the garbage of the row before it.
 *
 * Sources and process attribution are loaded dynamically: a module that is
 * not written or not built yet shows as "not available (reason)" in its row.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import type { SourceName } from '@keepalive-dashboard/shared';
import type { Source } from '@keepalive-dashboard/server/sources/types';

import { buildFloor, runFloor } from './c/floor.js';
import { HolderFleet } from './holders/fleet.js';
import { cleanUpOnInterrupt } from './lib/interrupt.js';

const RESULTS_DIR = new URL('./results/', import.meta.url).pathname;
const SOURCE_NAMES: readonly SourceName[] = ['netlink', 'ss', 'netstat', 'proc'];
const SS_TANOI = 'ss -tanoiH';
const FLOOR_DUMP = 'C floor: dump';
// The issue states its targets at this size; smaller runs are evaluated at their largest size, and say so.
const TARGET_PAIRS = 50_000;

interface Options {
  sizes: number[];
  repeat: number;
}

interface Sample {
  row: string;
  ms: number;
  sockets: number;
}

interface Operation {
  rows: string[];
  /** Warm-up (untimed by the caller) may do extra work, e.g. count what ss prints. */
  run(warmup: boolean): Promise<Sample[]>;
}

interface RowResult {
  pairs: number;
  row: string;
  available: boolean;
  reason?: string;
  samplesMs: number[];
  medianMs: number | null;
  sockets: number | null;
  perSocketUs: number | null;
  vsSsTanoi: number | null;
  vsFloor: number | null;
}

interface Target {
  target: string;
  met: boolean | null;
  detail: string;
}

function parseOptions(argv: string[]): Options {
  // Not strict: `npm run bench -- …` hands every bench the same argv.
  const { values } = parseArgs({
    args: argv,
    strict: false,
    options: { sizes: { type: 'string' }, repeat: { type: 'string' }, quick: { type: 'boolean' } },
  });
  const quick = values.quick === true;
  const sizesText = typeof values.sizes === 'string' ? values.sizes : quick ? '1000' : '1000,10000,50000';
  const sizes = sizesText.split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new RangeError(`--sizes must be positive integers, got ${sizesText}`);
  const repeatText = typeof values.repeat === 'string' ? values.repeat : quick ? '3' : '5';
  const repeat = Number(repeatText);
  if (!Number.isInteger(repeat) || repeat < 1) throw new RangeError(`--repeat must be a positive integer, got ${repeatText}`);
  // Holders only grow, so sizes run smallest first.
  return { sizes: [...new Set(sizes)].sort((a, b) => a - b), repeat };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? '').slice(0, 160);
}

/**
 * The package path first (what the server itself uses, from dist/); when that
 * is not built, the TypeScript source through tsx, so a fresh checkout still measures.
 */
async function importOptional(specifier: string, srcFallback: URL): Promise<{ module: Record<string, unknown>; from: string }> {
  try {
    return { module: (await import(specifier)) as Record<string, unknown>, from: specifier };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    if (!existsSync(srcFallback)) throw new Error(`${specifier} is not written yet`, { cause: error });
    const from = srcFallback.pathname.replace(new URL('..', import.meta.url).pathname, '');
    return { module: (await import(srcFallback.href)) as Record<string, unknown>, from: `${from} (dist not built)` };
  }
}

type Loaded<T> = { ok: true; value: T; from: string } | { ok: false; reason: string };

async function loadExport<T>(specifier: string, srcFallback: URL, name: string): Promise<Loaded<T>> {
  try {
    const { module, from } = await importOptional(specifier, srcFallback);
    if (typeof module[name] !== 'function') return { ok: false, reason: `${from} has no ${name} export` };
    return { ok: true, value: module[name] as T, from };
  } catch (error) {
    return { ok: false, reason: errorText(error) };
  }
}

/** A spawn of ss with its output thrown away, as a collector that only needs the exit would pay. */
function ssOperation(args: string[]): Operation {
  const row = `ss ${args.join(' ')}`;
  let sockets = 0;
  return {
    rows: [row],
    async run(warmup) {
      if (warmup) {
        const out = spawnSync('ss', args, { encoding: 'utf8', maxBuffer: 1 << 30 });
        if (out.error) throw out.error;
        if (out.status !== 0) throw new Error(`ss exited ${out.status}: ${out.stderr.trim()}`);
        // With -i the tcp_info goes on an indented continuation line; only the others are sockets.
        sockets = out.stdout.split('\n').filter((line) => line !== '' && !/^\s/.test(line)).length;
      }
      const started = performance.now();
      const out = spawnSync('ss', args, { stdio: 'ignore', timeout: 120_000 });
      const ms = performance.now() - started;
      if (out.error) throw out.error;
      if (out.status !== 0) throw new Error(`ss exited ${out.status}`);
      return [{ row, ms, sockets }];
    },
  };
}

function floorOperation(binary: string): Operation {
  return {
    rows: [FLOOR_DUMP, 'C floor: spawn + dump'],
    async run() {
      const s = runFloor(binary);
      return [
        { row: FLOOR_DUMP, ms: s.dumpMs, sockets: s.sockets },
        { row: 'C floor: spawn + dump', ms: s.spawnMs, sockets: s.sockets },
      ];
    },
  };
}

function sourceOperation(name: SourceName, source: Source): Operation {
  const row = `source ${name}`;
  return {
    rows: [row],
    async run() {
      const started = performance.now();
      const connections = await source.collect();
      return [{ row, ms: performance.now() - started, sockets: connections.length }];
    },
  };
}

type ScanSocketHolders = () => Promise<Map<number, unknown[]>>;

function scanOperation(scan: ScanSocketHolders): Operation {
  const row = 'process attribution (scanSocketHolders)';
  return {
    rows: [row],
    async run() {
      const started = performance.now();
      const holders = await scan();
      return [{ row, ms: performance.now() - started, sockets: holders.size }];
    },
  };
}

/** Every operation, in table order; those that cannot run carry the reason instead. */
async function prepareOperations(log: (line: string) => void): Promise<(Operation | { rows: string[]; reason: string })[]> {
  const ops: (Operation | { rows: string[]; reason: string })[] = [ssOperation(['-tanoiH']), ssOperation(['-tanoH'])];

  try {
    const binary = buildFloor(RESULTS_DIR);
    ops.push(floorOperation(binary));
  } catch (error) {
    ops.push({ rows: [FLOOR_DUMP, 'C floor: spawn + dump'], reason: errorText(error) });
  }

  type CreateSource = (name: SourceName) => Source | Promise<Source>;
  const createSource = await loadExport<CreateSource>(
    '@keepalive-dashboard/server/sources/index',
    new URL('../server/src/sources/index.ts', import.meta.url),
    'createSource',
  );
  log(createSource.ok ? `sources: createSource from ${createSource.from}` : `sources: not available (${createSource.reason})`);
  for (const name of SOURCE_NAMES) {
    const rows = [`source ${name}`];
    if (!createSource.ok) {
      ops.push({ rows, reason: createSource.reason });
      continue;
    }
    try {
      ops.push(sourceOperation(name, await createSource.value(name)));
    } catch (error) {
      ops.push({ rows, reason: errorText(error) });
    }
  }

  const scan = await loadExport<ScanSocketHolders>(
    '@keepalive-dashboard/server/processes/scan',
    new URL('../server/src/processes/scan.ts', import.meta.url),
    'scanSocketHolders',
  );
  log(scan.ok ? `process attribution: scanSocketHolders from ${scan.from}` : `process attribution: not available (${scan.reason})`);
  ops.push(scan.ok ? scanOperation(scan.value) : { rows: ['process attribution (scanSocketHolders)'], reason: scan.reason });
  return ops;
}

async function measureSize(
  pairs: number,
  repeat: number,
  prepared: (Operation | { rows: string[]; reason: string })[],
): Promise<RowResult[]> {
  const reasons = new Map<string, string>();
  const live: Operation[] = [];
  for (const op of prepared) {
    if ('reason' in op) {
      for (const row of op.rows) reasons.set(row, op.reason);
      continue;
    }
    // The warm-up pays one-time costs (module loads, page cache, JIT) and finds what fails here.
    try {
      await op.run(true);
      live.push(op);
    } catch (error) {
      for (const row of op.rows) reasons.set(row, errorText(error));
    }
  }

  const samples = new Map<string, Sample[]>();
  for (let r = 0; r < repeat; r++) {
    // Rotate the order so no operation always runs right after the most expensive one.
    const order = live.map((_, k) => live[(k + r) % live.length] as Operation);
    for (const op of order) {
      (globalThis as { gc?: () => void }).gc?.();
      let taken: Sample[];
      try {
        taken = await op.run(false);
      } catch (error) {
        // A row with some samples missing would mislead; drop it whole.
        for (const row of op.rows) {
          reasons.set(row, `failed on repeat ${r + 1}: ${errorText(error)}`);
          samples.delete(row);
        }
        live.splice(live.indexOf(op), 1);
        continue;
      }
      for (const sample of taken) {
        const list = samples.get(sample.row) ?? [];
        list.push(sample);
        samples.set(sample.row, list);
      }
    }
  }

  const results: RowResult[] = [];
  for (const row of prepared.flatMap((op) => op.rows)) {
    const list = samples.get(row);
    if (!list) {
      const result: RowResult = { pairs, row, available: false, samplesMs: [], medianMs: null, sockets: null, perSocketUs: null, vsSsTanoi: null, vsFloor: null };
      result.reason = reasons.get(row) ?? 'not measured';
      results.push(result);
      continue;
    }
    const medianMs = median(list.map((s) => s.ms));
    const sockets = Math.round(median(list.map((s) => s.sockets)));
    results.push({
      pairs,
      row,
      available: true,
      samplesMs: list.map((s) => Number(s.ms.toFixed(3))),
      medianMs,
      sockets,
      perSocketUs: sockets > 0 ? (medianMs * 1000) / sockets : null,
      vsSsTanoi: null,
      vsFloor: null,
    });
  }
  const ssMs = results.find((r) => r.row === SS_TANOI)?.medianMs ?? null;
  const floorMs = results.find((r) => r.row === FLOOR_DUMP)?.medianMs ?? null;
  for (const r of results) {
    if (r.medianMs === null) continue;
    r.vsSsTanoi = ssMs ? r.medianMs / ssMs : null;
    r.vsFloor = floorMs ? r.medianMs / floorMs : null;
  }
  return results;
}

function evaluateTargets(results: RowResult[], sizes: number[]): Target[] {
  const largest = sizes[sizes.length - 1] as number;
  const smallest = sizes[0] as number;
  const at = (pairs: number, row: string) => results.find((r) => r.pairs === pairs && r.row === row);
  const netlink = at(largest, 'source netlink');
  const where = largest === TARGET_PAIRS ? '' : ` — measured at ${largest} pairs, the target is stated at ${TARGET_PAIRS}`;
  const missing = (row: RowResult | undefined, what: string) =>
    `not evaluated: ${what} ${row?.reason ? `not available (${row.reason})` : 'not measured'}`;

  const targets: Target[] = [];
  const netlinkMs = netlink?.medianMs ?? null;
  const floor = at(largest, FLOOR_DUMP);
  const floorMs = floor?.medianMs ?? null;
  const floorTarget = 'netlink ≤ 2× the C floor';
  if (netlinkMs === null) targets.push({ target: floorTarget, met: null, detail: missing(netlink, 'source netlink') });
  else if (floorMs === null) targets.push({ target: floorTarget, met: null, detail: missing(floor, 'C floor') });
  else {
    const ratio = netlinkMs / floorMs;
    targets.push({ target: floorTarget, met: ratio <= 2, detail: `${fmtMs(netlinkMs)} ms / ${fmtMs(floorMs)} ms = ${ratio.toFixed(2)}×${where}` });
  }

  const ss = at(largest, SS_TANOI);
  const ssMs = ss?.medianMs ?? null;
  const ssTarget = `netlink ≥ 3× faster than \`${SS_TANOI}\``;
  if (netlinkMs === null) targets.push({ target: ssTarget, met: null, detail: missing(netlink, 'source netlink') });
  else if (ssMs === null) targets.push({ target: ssTarget, met: null, detail: missing(ss, SS_TANOI) });
  else {
    const speedup = ssMs / netlinkMs;
    targets.push({ target: ssTarget, met: speedup >= 3, detail: `${fmtMs(ssMs)} ms / ${fmtMs(netlinkMs)} ms = ${speedup.toFixed(2)}×${where}` });
  }

  const perSocket = sizes.map((pairs) => at(pairs, 'source netlink')?.perSocketUs ?? null);
  const flatTarget = 'netlink per-socket cost flat within 1.5× from 1k to 50k pairs';
  if (sizes.length < 2) targets.push({ target: flatTarget, met: null, detail: 'not evaluated: needs at least two sizes' });
  else if (perSocket.some((us) => us === null)) targets.push({ target: flatTarget, met: null, detail: missing(netlink, 'source netlink') });
  else {
    const values = perSocket as number[];
    const spread = Math.max(...values) / Math.min(...values);
    const list = sizes.map((pairs, i) => `${pairs}: ${(values[i] as number).toFixed(2)} µs`).join(', ');
    const span = smallest === 1000 && largest === TARGET_PAIRS ? '' : ` — sizes ${smallest}–${largest}, the target spans 1000–${TARGET_PAIRS}`;
    targets.push({ target: flatTarget, met: spread <= 1.5, detail: `${list}; max/min = ${spread.toFixed(2)}×${span}` });
  }
  return targets;
}

function fmtMs(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0);
}

function fmtRatio(ratio: number | null): string {
  return ratio === null ? '—' : `${ratio.toFixed(2)}×`;
}

function printTable(results: RowResult[], targets: Target[]): void {
  console.log(`| pairs | operation | sockets seen | median ms | µs / socket | × \`${SS_TANOI}\` | × C floor |`);
  console.log('|---:|---|---:|---:|---:|---:|---:|');
  for (const r of results) {
    if (!r.available) {
      console.log(`| ${r.pairs} | ${r.row}: not available (${r.reason}) | — | — | — | — | — |`);
      continue;
    }
    const perSocket = r.perSocketUs === null ? '—' : r.perSocketUs.toFixed(2);
    console.log(
      `| ${r.pairs} | ${r.row} | ${r.sockets} | ${fmtMs(r.medianMs as number)} | ${perSocket} | ${fmtRatio(r.vsSsTanoi)} | ${fmtRatio(r.vsFloor)} |`,
    );
  }
  console.log('\n"× C floor" divides by the dump time measured inside the C process (no fork/exec).\n');
  console.log('Targets:');
  for (const t of targets) {
    const verdict = t.met === null ? 'not evaluated' : t.met ? 'met' : 'not met';
    console.log(`- ${t.target}: **${verdict}** (${t.detail.replace(/^not evaluated: /, '')})`);
  }
}

function ssVersion(): string {
  const out = spawnSync('ss', ['-V'], { encoding: 'utf8' });
  return out.stdout?.trim() ?? 'unknown';
}

export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  const options = parseOptions(argv);
  const log = (line: string) => console.error(`[host-wide] ${line}`);
  const fleet = new HolderFleet();

  const stopCleanup = cleanUpOnInterrupt('stopping holders', () => fleet.stop(), () => fleet.killNow(), log);

  try {
    const prepared = await prepareOperations(log);
    const results: RowResult[] = [];
    const fleetBySize: { pairs: number; holders: number; readyMs: number }[] = [];
    for (const pairs of options.sizes) {
      const started = performance.now();
      const added = await fleet.growTo(pairs);
      const readyMs = performance.now() - started;
      fleetBySize.push({ pairs, holders: fleet.holders.length, readyMs });
      log(
        `${pairs} pairs held by ${fleet.holders.length} processes (${added.length} started, ready in ${(readyMs / 1000).toFixed(1)} s); measuring ×${options.repeat}`,
      );
      results.push(...(await measureSize(pairs, options.repeat, prepared)));
    }
    await fleet.stop();

    const targets = evaluateTargets(results, options.sizes);
    printTable(results, targets);

    mkdirSync(RESULTS_DIR, { recursive: true });
    const jsonPath = join(RESULTS_DIR, 'host-wide.json');
    const report = {
      date: new Date().toISOString(),
      environment: { kernel: release(), node: process.version, ss: ssVersion(), cpus: cpus().length },
      options,
      fleet: fleetBySize,
      results,
      targets,
    };
    writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
    log(`figures written to ${jsonPath}`);
  } finally {
    await fleet.stop();
    stopCleanup();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
