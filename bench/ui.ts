/**
 * The dashboard in headless Chromium with 10k and 50k connections: time from
 * the snapshot frame's arrival in the page to the first paint of the table
 * with rows, frame times while the table scrolls for ~5 s, and the JS heap
 * after load. The server is real; its source is a fake one (test/helpers/fake-source.ts),
 * so the host need not hold the sockets. How each figure is taken is in
 * ./ui/page-probe.ts. Figures, not assertions: other jobs share the cores, so
 * the load average is printed beside them.
 *
 *   node --import tsx bench/ui.ts [--quick | --ui-sizes 10000,50000] [--ui-scroll-seconds 5]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { CHROMIUM, ensureWebBuild, requireChromium, WEB_DIST } from '../test/e2e/harness.js';
import { positiveInt, sizeList } from './lib/options.js';
import { measureSize, type SizeResult } from './ui/measure.js';
import { intervalTargetMet, printTable, workTargetMet, type Environment } from './ui/report.js';

const RESULTS_DIR = new URL('./results/', import.meta.url).pathname;
// Like the 50k end-to-end test: at 1 s the server counts a page still parsing
// a 26 MB snapshot as behind and sends it another; at 5 s the page keeps up.
const INTERVAL_MS = 5_000;
// Ten 28 px rows a frame: every frame mounts new rows, a brisk continuous scroll.
const PX_PER_FRAME = 280;

interface Options {
  sizes: number[];
  scrollSeconds: number;
}

function parseOptions(argv: string[]): Options {
  // Not strict: `npm run bench -- …` hands every bench the same argv.
  const { values } = parseArgs({
    args: argv,
    strict: false,
    options: { 'ui-sizes': { type: 'string' }, quick: { type: 'boolean' }, 'ui-scroll-seconds': { type: 'string' } },
  });
  const text = (name: string, fallback: string): string => (typeof values[name] === 'string' ? (values[name] as string) : fallback);
  return { sizes: sizeList('ui-sizes', text('ui-sizes', values.quick === true ? '10000' : '10000,50000')), scrollSeconds: positiveInt('ui-scroll-seconds', text('ui-scroll-seconds', '5')) };
}

function environment(): Environment {
  const version = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' });
  return {
    kernel: release(),
    node: process.version,
    chromium: version.stdout?.trim() || CHROMIUM,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
  };
}

export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  const options = parseOptions(argv);
  const log = (line: string) => console.error(`[ui] ${line}`);
  requireChromium();
  ensureWebBuild();
  const env = environment();
  const results: SizeResult[] = [];
  for (const connections of options.sizes) {
    log(`${connections} connections: starting the server and Chromium`);
    results.push(await measureSize({ connections, intervalMs: INTERVAL_MS, webRoot: WEB_DIST, scrollSeconds: options.scrollSeconds, pxPerFrame: PX_PER_FRAME, log }));
  }
  printTable(results, env);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const jsonPath = join(RESULTS_DIR, 'ui.json');
  const targets = results.map((r) => ({ connections: r.connections, intervalP95: intervalTargetMet(r), workP95: workTargetMet(r) }));
  writeFileSync(jsonPath, `${JSON.stringify({ date: new Date().toISOString(), environment: env, options: { ...options, intervalMs: INTERVAL_MS, pxPerFrame: PX_PER_FRAME }, targets, results }, null, 2)}\n`);
  log(`figures written to ${jsonPath}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
