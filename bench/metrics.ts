/**
 * `npm run bench -- --metrics`: /metrics at scale, issue 15's "100k sockets in
 * 20 namespaces → a bounded number of series". Real pairs held in 20
 * namespaces (the namespaces bench's Layout, inside its private namespaces so
 * the server sees this run's sockets only), the real CLI, then a few scrapes:
 * the series count against the stated bound, the scrape's time and size, and
 * promtool's verdict. Prints figures; asserts nothing about speed.
 *
 *   npm run bench -- --metrics                      (100,000 sockets)
 *   npm run bench -- --metrics --sockets 20000
 */
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { seriesBound } from '@keepalive-dashboard/server/metrics/caps';

import { cleanUpOnInterrupt } from './lib/interrupt.js';
import { positiveInt, serverRootOption } from './lib/options.js';
import { assertIsolated, INSIDE_ENV, runIsolated } from './namespaces/isolation.js';
import { Layout } from './namespaces/layout.js';
import { startCliServer, type CliServer } from './scale/cli-server.js';
import { readHealth } from './scale/health.js';

const SELF = new URL(import.meta.url).pathname;
const NAMESPACES = 20;
const SCRAPES = 5;
const SETTLE_TIMEOUT_MS = 600_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function runInside(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { metrics: { type: 'boolean' }, sockets: { type: 'string' }, 'server-root': { type: 'string' } } });
  const sockets = positiveInt('sockets', values.sockets ?? '100000');
  const serverRoot = serverRootOption(values['server-root']);
  assertIsolated();
  const log = (line: string): void => console.error(`[metrics] ${line}`);
  const layout = new Layout({ tag: 'M', namespaceCount: NAMESPACES, pairsPerNamespace: Math.ceil(sockets / 2 / NAMESPACES) });
  let server: CliServer | null = null;
  const stopCleanup = cleanUpOnInterrupt('stopping the server and holders, deleting namespaces', async () => {
    await server?.stop();
    await layout.stop();
  }, () => {
    server?.killNow();
    layout.killNow();
  }, log);
  try {
    await layout.start();
    log(`${NAMESPACES} namespaces × ${layout.spec.pairsPerNamespace} pairs held by ${layout.holders.length} processes`);
    server = await startCliServer(serverRoot);
    const started = performance.now();
    let seen = 0;
    while ((seen = (await readHealth(server.base, server.token)).sockets ?? 0) < sockets && performance.now() - started < SETTLE_TIMEOUT_MS) await sleep(1000);
    log(`the server lists ${seen} sockets`);
    for (let i = 0; i < SCRAPES; i++) {
      const t0 = performance.now();
      const text = await (await fetch(`${server.base}/metrics`, { headers: { authorization: `Bearer ${server.token}` } })).text();
      const ms = performance.now() - t0;
      const series = text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
      const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      const verdict = promtool.error ? 'promtool not installed' : promtool.status === 0 ? 'promtool: ok' : `promtool: ${promtool.stdout}${promtool.stderr}`.trim();
      console.log(`scrape ${i + 1}: ${series} series (bound ${seriesBound()}), ${(text.length / 1024).toFixed(1)} KiB, ${ms.toFixed(0)} ms; ${verdict}`);
      await sleep(2000);
    }
  } finally {
    await server?.stop();
    await layout.stop();
    stopCleanup();
  }
}

export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  if (process.env[INSIDE_ENV] === '1') return runInside(argv);
  const code = await runIsolated([process.execPath, '--import', 'tsx', SELF, ...argv]);
  if (code !== 0) process.exitCode = code;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
