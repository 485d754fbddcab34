/**
 * Soak: 50 stream clients on 50k idle loopback pairs for a bounded time,
 * the real server in this process. Prints at start and at end the server's
 * RSS and heap, its CPU per second, each client's frames and lag, and the
 * bytes received. Not part of `npm test` (test/load/soak.test.ts is its
 * 60-second version).
 *
 *   npm run soak -- --seconds 600 [--pairs 50000] [--clients 50] [--clients-per-host 5] [--connect waves|all]
 *
 * --connect waves (default) opens one client per client process at a time,
 * the next wave once those have caught up; --connect all opens all 50 at once.
 *
 * Other sockets in this network namespace are collected too; for figures
 * about this run alone:  unshare -n sh -c 'ip link set lo up && npm run soak'
 */
import { parseArgs } from 'node:util';

import { endLines, startLines } from './soak/report.js';
import { runSoak } from './soak/run.js';

const MAX_SECONDS = 24 * 3600;

function bounded(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`--${name} must be an integer ${min}–${max}, got ${text}`);
  return n;
}

function connectMode(text: string): 'waves' | 'all' {
  if (text !== 'waves' && text !== 'all') throw new RangeError(`--connect must be waves or all, got ${text}`);
  return text;
}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      seconds: { type: 'string', default: '600' },
      pairs: { type: 'string', default: '50000' },
      clients: { type: 'string', default: '50' },
      'clients-per-host': { type: 'string', default: '5' },
      connect: { type: 'string', default: 'waves' },
      'interval-ms': { type: 'string', default: '1000' },
      'settle-ticks': { type: 'string', default: '3' },
      'progress-every': { type: 'string', default: '30' },
    },
  });
  return {
    seconds: bounded('seconds', values.seconds, 1, MAX_SECONDS),
    pairs: bounded('pairs', values.pairs, 1, 200_000),
    clients: bounded('clients', values.clients, 1, 1000),
    clientsPerHost: bounded('clients-per-host', values['clients-per-host'], 1, 1000),
    connect: connectMode(values.connect),
    intervalMs: bounded('interval-ms', values['interval-ms'], 100, 60_000),
    settleTicks: bounded('settle-ticks', values['settle-ticks'], 0, 1000),
    progressEverySec: bounded('progress-every', values['progress-every'], 0, MAX_SECONDS),
  };
}

let options: ReturnType<typeof parse>;
try {
  options = parse(process.argv.slice(2));
} catch (error) {
  console.error(`soak: ${(error as Error).message}`);
  process.exit(2);
}

const log = (line: string): void => console.log(`[soak] ${line}`);
const controller = new AbortController();
const onSignal = (signal: NodeJS.Signals): void => {
  log(`${signal}: ending the window and cleaning up (again to exit at once)`);
  controller.abort();
  process.once(signal, () => process.exit(signal === 'SIGINT' ? 130 : 143));
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

const started = performance.now();
try {
  const result = await runSoak({
    ...options,
    // A host parsing 80 MB snapshots reads nothing else meanwhile: the wait for progress is long.
    stuckMs: 5 * 60_000,
    log,
    onStart: (start) => {
      for (const line of startLines(start)) log(line);
      log(`window of ${options.seconds} s begins`);
    },
    signal: controller.signal,
  });
  for (const line of endLines(result)) log(line);
  log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s, everything it started has been ended`);
  process.exitCode = result.aborted ? 130 : 0;
} catch (error) {
  log(`failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = controller.signal.aborted ? 130 : 1;
}
