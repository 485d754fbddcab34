/**
 * `npm run bench -- --browser`: what the dashboard costs the browser (issue 13,
 * "Browser cost"). The real CLI serving the windowed table as a user gets it,
 * real idle loopback pairs held by child processes (a tenth of the sockets
 * with keepalive on, so countdowns run), headless Chromium at 1440×900.
 *   10k sockets: main-thread busy %, layouts/s and style recalcs/s over a
 *                window with nothing changing;
 *   100k sockets: the same window, then the table scrolled from the page:
 *                frame interval p95 and the JS heap.
 * Writes bench/results/browser-DATE.md and .json. Other sessions' sockets
 * change under a host-wide dump; for a window where nothing changes:
 *   unshare -n sh -c 'ip link set lo up && npm run bench -- --browser'
 *
 *   --rest-only             10k only (no 100k fleet: e.g. while CI runs)
 *   --rest-seconds N        (10)   --scroll-seconds N (10)   --label NAME
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import type { Page } from 'playwright-core';

import { CHROMIUM, requireChromium } from '../test/e2e/harness.js';
import { measureRest, measureScroll, PROBE_INIT_SCRIPT, waitForRows } from './browser-measure.js';
import { renderMarkdown, type BrowserRun, type SizeRun } from './browser-report.js';
import { HolderFleet } from './holders/fleet.js';
import { launchFreshChromium } from './lib/chromium.js';
import { labelOption, positiveInt, serverRootOption } from './lib/options.js';
import { writeResults } from './lib/results.js';
import { startCliServer } from './scale/cli-server.js';
import { environment, preflight } from './scale/environment.js';
import { waitForReadBack } from './scale/health.js';
import { sleep } from './server/stats.js';
import { cleanUpOnInterrupt } from './lib/interrupt.js';

const REST_PAIRS = 5_000;
const SCROLL_PAIRS = 50_000;
const KEEPALIVE_EVERY_NTH_PAIR = 5;
// After the rows show: the first catch-up frames and React's mount go by before a window starts.
const SETTLE_MS = 5_000;
// Ten 28 px rows a frame, as bench/ui.ts: every frame mounts new rows.
const PX_PER_FRAME = 280;
// The profile directory's prefix: finds this run's renderer among other Chromiums on the host.
const PROFILE_PREFIX = 'ka-bench-browser-';
// Until every socket's settings were read once, rows on screen still change as they arrive.
const READ_BACK_CAP_MS = 120_000;

const loads = (): number[] => loadavg().map((v) => Number(v.toFixed(2)));

function parseOptions(argv: readonly string[]) {
  const { values } = parseArgs({
    args: [...argv],
    strict: false,
    options: { 'rest-only': { type: 'boolean' }, 'rest-seconds': { type: 'string' }, 'scroll-seconds': { type: 'string' }, label: { type: 'string' }, 'server-root': { type: 'string' } },
  });
  const seconds = (name: string): number => positiveInt(name, typeof values[name] === 'string' ? (values[name] as string) : '10');
  return {
    sizes: values['rest-only'] === true ? [REST_PAIRS] : [REST_PAIRS, SCROLL_PAIRS],
    restSeconds: seconds('rest-seconds'),
    scrollSeconds: seconds('scroll-seconds'),
    label: labelOption(values.label),
    serverRoot: serverRootOption(values['server-root']),
  };
}

/** One size: a fresh server and a fresh browser, both ended before it returns. */
async function measureSize(pairs: number, scroll: boolean, options: ReturnType<typeof parseOptions>, log: (line: string) => void): Promise<SizeRun> {
  const size: SizeRun = { pairs, loadAverage: { atStart: loads(), atEnd: [] }, rest: null, scroll: null, errors: [] };
  const server = await startCliServer(options.serverRoot);
  const killServer = (): void => server.killNow();
  process.once('exit', killServer);
  try {
    const readBack = await waitForReadBack(server.base, server.token, server.spawnedAt, READ_BACK_CAP_MS);
    if (readBack.reported && readBack.doneAfterMs === null) size.errors.push(`read-back not done within ${READ_BACK_CAP_MS / 1000} s: rows may still change at rest`);
    const browser = await launchFreshChromium(PROFILE_PREFIX);
    try {
      const page: Page = browser.context.pages()[0] ?? (await browser.context.newPage());
      page.on('pageerror', (error) => size.errors.push(`page error: ${error.message}`));
      await page.addInitScript({ content: PROBE_INIT_SCRIPT });
      const cdp = await browser.context.newCDPSession(page);
      await page.goto(server.loginUrl);
      await waitForRows(page);
      await sleep(SETTLE_MS);
      size.rest = await measureRest(cdp, options.restSeconds, PROFILE_PREFIX);
      log(`${pairs * 2} sockets at rest: ${size.rest.busyPercent}% busy (${size.rest.mainThreadCpuPercent}% CPU), ${size.rest.layoutsPerSec} layouts/s, ${size.rest.styleRecalcsPerSec} style recalcs/s`);
      if (scroll) {
        size.scroll = await measureScroll(page, cdp, options.scrollSeconds, PX_PER_FRAME);
        log(`${pairs * 2} sockets scrolling: frame p95 ${size.scroll.frameP95Ms} ms, heap ${size.scroll.heapUsedMb} MB`);
      }
    } finally {
      await browser.close();
    }
  } catch (error) {
    size.errors.push((error as Error).message);
    log(`${pairs * 2} sockets FAILED: ${(error as Error).message}`);
  } finally {
    await server.stop();
    process.off('exit', killServer);
    size.loadAverage.atEnd = loads();
  }
  return size;
}

export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  const options = parseOptions(argv);
  const log = (line: string): void => console.error(`[browser] ${line}`);
  requireChromium();
  const env = environment(options.serverRoot);
  preflight(env, options.sizes.at(-1) ?? 0);
  if (!env.webBuilt) throw new Error(`${options.serverRoot}web/dist is not built: npm run build --workspace web`);
  const started = new Date();
  const fleet = new HolderFleet(['--keepalive-every', String(KEEPALIVE_EVERY_NTH_PAIR)]);
  const stopCleanup = cleanUpOnInterrupt('stopping holders', () => fleet.stop(), () => fleet.killNow(), log);
  const sizes: SizeRun[] = [];
  try {
    for (const pairs of options.sizes) {
      await fleet.growTo(pairs);
      log(`${pairs} pairs held by ${fleet.holders.length} processes`);
      sizes.push(await measureSize(pairs, pairs === SCROLL_PAIRS || options.sizes.length === 1, options, log));
    }
  } finally {
    await fleet.stop();
    stopCleanup();
  }
  const chromium = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).stdout?.trim() || CHROMIUM;
  const result: BrowserRun = {
    date: started.toISOString(),
    label: options.label,
    environment: { ...env, chromium },
    restSeconds: options.restSeconds,
    scrollSeconds: options.scrollSeconds,
    sizes,
  };
  const markdown = renderMarkdown(result);
  console.log(`\n${markdown}`);
  const base = writeResults('browser', options.label, started, markdown, result);
  log(`written to ${base}.md and .json`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
