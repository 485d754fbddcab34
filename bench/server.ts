/**
 * The server under load: with 10k and 50k idle loopback pairs held by child
 * processes, the real server (Fastify + the app plugin, netlink source,
 * collector on, 1 s interval) started in this process on 127.0.0.1:0, and in
 * the same run: CPU and wall per collection beside `ss -tanoiH`, the
 * WebSocket's bytes/s while nothing changes, snapshot bytes per connection,
 * the delta of a 1% churn, and PATCH-to-visible-in-stream latency on an owned
 * and a foreign socket. The stream client runs in its own process, so its
 * JSON parsing is neither the server's CPU nor on the server's event loop.
 *
 *   npm run bench                                     (every bench)
 *   node --import tsx bench/server.ts --quick         (1k pairs)
 *   node --import tsx bench/server.ts --sizes 10000 --ticks 10 --idle-seconds 10 --patches 30 --ss-repeat 5
 *
 * Other sessions' sockets appear in a host-wide dump; for figures about this
 * run only, give it its own network namespace:
 *   unshare -n sh -c 'ip link set lo up && node --import tsx bench/server.ts'
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { HolderFleet } from './holders/fleet.js';
import { hostEnvironment } from './lib/host-environment.js';
import { positiveInt, sizeList } from './lib/options.js';
import { ChurnHolder } from './server/churn.js';
import { measureSize, type SizeResult } from './server/measure-size.js';
import { printTable } from './server/report.js';
import { cleanUpOnInterrupt } from './lib/interrupt.js';

const RESULTS_DIR = new URL('./results/', import.meta.url).pathname;
// Far from the fleet's 127.0.0.2, .3, …: the churn holder's tuples never collide with theirs.
const CHURN_ADDRESS = '127.0.0.250';
const INTERVAL_MS = 1000;

interface Options {
  sizes: number[];
  idleSeconds: number;
  cpuTicks: number;
  patches: number;
  ssRepeat: number;
}

function parseOptions(argv: string[]): Options {
  // Not strict: `npm run bench -- …` hands every bench the same argv.
  const { values } = parseArgs({
    args: argv,
    strict: false,
    options: {
      sizes: { type: 'string' },
      quick: { type: 'boolean' },
      'idle-seconds': { type: 'string' },
      ticks: { type: 'string' },
      patches: { type: 'string' },
      'ss-repeat': { type: 'string' },
    },
  });
  const text = (name: string, fallback: string): string => (typeof values[name] === 'string' ? (values[name] as string) : fallback);
  const quick = values.quick === true;
  return {
    sizes: sizeList('sizes', text('sizes', quick ? '1000' : '10000,50000')),
    idleSeconds: positiveInt('idle-seconds', text('idle-seconds', '10')),
    cpuTicks: positiveInt('ticks', text('ticks', '10')),
    patches: positiveInt('patches', text('patches', '30')),
    ssRepeat: positiveInt('ss-repeat', text('ss-repeat', '5')),
  };
}

export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  const options = parseOptions(argv);
  const log = (line: string) => console.error(`[server] ${line}`);
  const env = hostEnvironment();
  const fleet = new HolderFleet();
  const churn = new ChurnHolder();

  const stopCleanup = cleanUpOnInterrupt(
    'stopping holders',
    () => Promise.all([fleet.stop(), churn.stop()]),
    () => {
      fleet.killNow();
      churn.killNow();
    },
    log,
  );

  try {
    const results: SizeResult[] = [];
    for (const pairs of options.sizes) {
      // 1% of the pairs live in the churn holder, the rest in the pairs.ts fleet: N in all.
      const churnPairs = Math.max(1, Math.round(pairs / 100));
      const started = performance.now();
      await churn.stop();
      await churn.start(churnPairs, CHURN_ADDRESS);
      await fleet.growTo(pairs - churnPairs);
      const holder = fleet.holders[0];
      if (!holder) throw new Error('the fleet started no holder');
      log(`${pairs} pairs: ${fleet.pairs} in ${fleet.holders.length} pairs.ts holders + ${churnPairs} in the churn holder, ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      results.push(
        await measureSize({
          pairs,
          intervalMs: INTERVAL_MS,
          idleSeconds: options.idleSeconds,
          cpuTicks: options.cpuTicks,
          patches: options.patches,
          ssRepeat: options.ssRepeat,
          foreignHolder: { address: holder.address, port: holder.ports[0] as number, pid: holder.pid },
          churn,
          holderPids: [...fleet.holders.map((h) => h.pid), churn.ready?.pid ?? 0],
          log,
        }),
      );
    }
    await churn.stop();
    await fleet.stop();

    printTable(results, env);
    for (const r of results) {
      const notes = [...r.serverLog.map((m) => `server log: ${m}`), ...r.clientErrors.map((m) => `stream client: ${m}`), ...r.latency.errors];
      for (const l of [r.latency.owned, r.latency.foreign]) for (const e of l?.errors ?? []) notes.push(`${l?.target}: ${e}`);
      if (notes.length) console.log(`\nNotes at ${r.pairs} pairs:\n${notes.slice(0, 20).map((n) => `- ${n}`).join('\n')}${notes.length > 20 ? `\n- … ${notes.length - 20} more in the JSON` : ''}`);
    }

    mkdirSync(RESULTS_DIR, { recursive: true });
    const jsonPath = join(RESULTS_DIR, 'server.json');
    writeFileSync(jsonPath, `${JSON.stringify({ date: new Date().toISOString(), environment: env, options: { ...options, intervalMs: INTERVAL_MS }, results }, null, 2)}\n`);
    log(`figures written to ${jsonPath}`);
  } finally {
    await Promise.all([churn.stop(), fleet.stop()]);
    stopCleanup();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
