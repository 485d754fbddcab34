/**
 * `npm run bench -- --namespaces`: the benchmark for issue 12's scale line,
 * "50 namespaces × 1,000 sockets cost no more per socket than one namespace
 * of 50,000". Two layouts with the same sockets, one after the other:
 *   A  one namespace holding every pair (holders of ≤ 9,000 pairs each)
 *   B  50 namespaces × 500 pairs, one holder process inside each
 * For each, the real CLI (every namespace, the default) measured from
 * /proc/PID/stat once it lists every socket and has read each one's
 * settings, and `ss -tanoiH` and the C inet_diag dump inside the same
 * namespaces before it starts. Prints the table and writes it, with the raw
 * figures, to bench/results/namespaces-DATE.md and .json.
 *
 *   npm run bench -- --namespaces                        (50,000 sockets, 50 namespaces)
 *   npm run bench -- --namespaces --sockets 10000        (fewer sockets; a multiple of 2 × the count)
 *   npm run bench -- --namespaces --quick                (5 namespaces × 200 sockets, 5 s window)
 *   npm run bench -- --namespaces --child-ehash-entries 8192   (each namespace its own TCP hash: the kernel's share apart)
 *   npm run bench -- --namespaces --render bench/results/namespaces-….json
 *
 * It re-executes itself inside private namespaces (isolation.ts), so the
 * server sees this run's namespaces only and the host's are never touched.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { buildFloor } from './c/floor.js';
import { writeResults } from './lib/results.js';
import { assertIsolated, INSIDE_ENV, runIsolated, WRAPPER_TEXT } from './namespaces/isolation.js';
import { Layout, type LayoutSpec } from './namespaces/layout.js';
import { measureLayout, type LayoutResult } from './namespaces/measure-layout.js';
import { parseOptions } from './namespaces/options.js';
import { buildRows, renderMarkdown, type NamespacesRun } from './namespaces/report.js';
import type { CliServer } from './scale/cli-server.js';
import { environment, preflight } from './scale/environment.js';
import { cleanUpOnInterrupt } from './lib/interrupt.js';

const SELF = new URL(import.meta.url).pathname;
const CHILD_EHASH_SYSCTL = '/proc/sys/net/ipv4/tcp_child_ehash_entries';

/**
 * Written in the run's private root namespace, so it shapes only the namespaces `ip netns add` creates
 * from here (the kernel reads it at clone/unshare time); the host's is untouched.
 */
function setChildEhashEntries(entries: number): void {
  writeFileSync(CHILD_EHASH_SYSCTL, String(entries));
  const now = Number(readFileSync(CHILD_EHASH_SYSCTL, 'utf8').trim());
  if (now !== entries) throw new Error(`${CHILD_EHASH_SYSCTL} reads ${now} after writing ${entries}`);
}

/** --render FILE.json: the table again from a run's figures (after the report changed), written beside it. */
function rerender(jsonPath: string): void {
  const markdown = renderMarkdown(JSON.parse(readFileSync(jsonPath, 'utf8')) as NamespacesRun);
  writeFileSync(jsonPath.replace(/\.json$/, '.md'), markdown);
  console.log(markdown);
}

async function runInside(argv: string[]): Promise<void> {
  const options = parseOptions(argv);
  assertIsolated();
  const log = (line: string): void => console.error(`[namespaces] ${line}`);
  const env = environment(options.serverRoot);
  const pairs = options.sockets / 2;
  preflight(env, pairs);
  if (options.childEhashEntries !== null) setChildEhashEntries(options.childEhashEntries);
  const specs: LayoutSpec[] = [
    { tag: 'A', namespaceCount: 1, pairsPerNamespace: pairs },
    { tag: 'B', namespaceCount: options.namespaceCount, pairsPerNamespace: pairs / options.namespaceCount },
  ];
  const started = new Date();
  const buildDir = mkdtempSync(join(tmpdir(), 'ka-bench-namespaces-floor-'));
  let current: Layout | null = null;
  let server: CliServer | null = null;
  const stopCleanup = cleanUpOnInterrupt(
    'stopping the server and holders, deleting namespaces',
    async () => {
      try {
        await server?.stop();
        await current?.stop();
      } finally {
        rmSync(buildDir, { recursive: true, force: true });
      }
    },
    () => {
      server?.killNow();
      current?.killNow();
    },
    log,
  );

  const results: LayoutResult[] = [];
  try {
    const floorBinary = buildFloor(buildDir);
    log(`server: ${env.serverCommit}; load ${env.loadAverageAtStart.join(' ')}`);
    for (const spec of specs) {
      current = new Layout(spec);
      try {
        const growStarted = performance.now();
        await current.start();
        log(`${spec.tag}: ${spec.namespaceCount} × ${spec.pairsPerNamespace} pairs in ${current.holders.length} holders, ready in ${((performance.now() - growStarted) / 1000).toFixed(1)} s`);
        results.push(await measureLayout(current, { windowSec: options.windowSec, ssRepeat: options.ssRepeat, settleCapMs: options.settleCapMs, serverRoot: options.serverRoot, floorBinary, log, onServer: (s) => (server = s) }));
      } finally {
        await current.stop();
        current = null;
      }
    }
  } finally {
    rmSync(buildDir, { recursive: true, force: true });
    stopCleanup();
  }

  const run: NamespacesRun = { date: started.toISOString(), label: options.label, isolation: WRAPPER_TEXT, environment: env, options, results };
  const markdown = renderMarkdown(run);
  console.log(`\n${markdown}`);
  const base = writeResults('namespaces', options.label, started, markdown, { ...run, rows: buildRows(results) });
  log(`written to ${base}.md and .json`);
}

export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  const renderAt = argv.indexOf('--render');
  if (renderAt !== -1) return rerender(argv[renderAt + 1] ?? '');
  if (process.env[INSIDE_ENV] === '1') return runInside(argv);
  // Checked out here, where the message reaches the user before any namespace exists.
  parseOptions(argv);
  const code = await runIsolated([process.execPath, '--import', 'tsx', SELF, ...argv]);
  if (code !== 0) process.exitCode = code;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
