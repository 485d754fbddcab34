/**
 * `npm run bench -- --scale`: the benchmark that decides issue 11. At 10k,
 * 50k and 100k sockets (5k / 25k / 50k idle loopback pairs held by child
 * processes, a tenth of the sockets with keepalive on), in one run, the real
 * CLI as a child process measured from outside (/proc/PID/stat, VmHWM), with
 * `ss -tanoiH` and the C inet_diag floor measured at the same sizes. Prints
 * the issue's table and writes it, with the raw figures, to
 * bench/results/scale-DATE.md and .json.
 *
 *   npm run bench -- --scale                      (5k, 25k and 50k pairs)
 *   npm run bench -- --scale --sizes 5000         (one size)
 *   npm run bench -- --scale --quick              (1k pairs, 5 s windows: a smoke run)
 *   npm run bench -- --scale --server-root /tmp/old-build --label before
 *   npm run bench -- --scale --render bench/results/scale-….json   (the table again, from the figures)
 *
 * Other sessions' sockets are in every host-wide dump and their changes in
 * every stream; for figures about this run only, give it its own namespace:
 *   unshare -n sh -c 'ip link set lo up && npm run bench -- --scale'
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { buildFloor } from './c/floor.js';
import { writeResults } from './lib/results.js';
import { HolderFleet } from './holders/fleet.js';
import { environment, preflight } from './scale/environment.js';
import { measureSize, type SizeResult } from './scale/measure-size.js';
import { parseOptions } from './scale/options.js';
import { buildRows, renderMarkdown, type ScaleRun } from './scale/report.js';
import { cleanUpOnInterrupt } from './lib/interrupt.js';

// pairs.ts turns keepalive on for every Nth client socket: every 5th of the pairs' clients is a tenth of all sockets.
const KEEPALIVE_EVERY_NTH_PAIR = 5;

/** --render FILE.json: the table again from a run's figures (after the report changed), written beside it. */
function rerender(jsonPath: string): void {
  const markdown = renderMarkdown(JSON.parse(readFileSync(jsonPath, 'utf8')) as ScaleRun);
  writeFileSync(jsonPath.replace(/\.json$/, '.md'), markdown);
  console.log(markdown);
}

export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  const renderAt = argv.indexOf('--render');
  if (renderAt !== -1) return rerender(argv[renderAt + 1] ?? '');
  const options = parseOptions(argv);
  const log = (line: string): void => console.error(`[scale] ${line}`);
  const env = environment(options.serverRoot);
  preflight(env, options.sizes.at(-1) ?? 0);
  const started = new Date();
  const buildDir = mkdtempSync(join(tmpdir(), 'ka-bench-scale-floor-'));
  const fleet = new HolderFleet(['--keepalive-every', String(KEEPALIVE_EVERY_NTH_PAIR)]);
  const stopCleanup = cleanUpOnInterrupt('stopping holders', () => fleet.stop(), () => fleet.killNow(), log);

  const results: SizeResult[] = [];
  try {
    const floorBinary = buildFloor(buildDir);
    log(`server: ${env.serverCommit}; ${env.socketsBeforeStart ?? '?'} TCP sockets here before the holders; load ${env.loadAverageAtStart.join(' ')}`);
    for (const pairs of options.sizes) {
      const growStarted = performance.now();
      await fleet.growTo(pairs);
      log(`${pairs} pairs in ${fleet.holders.length} holders, ready in ${((performance.now() - growStarted) / 1000).toFixed(1)} s`);
      results.push(
        await measureSize({
          pairs,
          windowSec: options.windowSec,
          patches: options.patches,
          ssRepeat: options.ssRepeat,
          readBackCapMs: options.readBackCapMs,
          warmupSec: options.warmupSec,
          serverRoot: options.serverRoot,
          floorBinary,
          holders: fleet.holders,
          log,
        }),
      );
    }
  } finally {
    await fleet.stop();
    rmSync(buildDir, { recursive: true, force: true });
    stopCleanup();
  }

  const run: ScaleRun = { date: started.toISOString(), label: options.label, environment: env, options, results };
  const markdown = renderMarkdown(run);
  console.log(`\n${markdown}`);

  const base = writeResults('scale', options.label, started, markdown, { ...run, rows: buildRows(results) });
  log(`written to ${base}.md and .json`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
