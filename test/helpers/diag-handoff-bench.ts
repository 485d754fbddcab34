/**
 * Benchmark (not a test): the inet_diag dump's hand-off to JavaScript, one JS
 * object per socket built in C++ against the columnar table decoded in
 * TypeScript, at several socket counts held by child processes (one process
 * may hold at most 20,000 fds). Medians of interleaved repeats.
 *
 *   node --import tsx test/helpers/diag-handoff-bench.ts [--sizes 2000,20000,50000] [--repeat 9]
 *
 * Belongs in bench/ once that folder is free; kept here so it can be run now.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { loadAddon, TcpSocketTable } from '@keepalive-dashboard/native';
import { createNetlinkSource } from '@keepalive-dashboard/server/sources/netlink';

const FARM = new URL('./pair-farm.ts', import.meta.url).pathname;
const PAIRS_PER_FARM = 9_000;

class Farms {
  private readonly children: ChildProcess[] = [];
  private nextHost = 2;
  pairs = 0;

  async growTo(total: number): Promise<void> {
    while (this.pairs < total) {
      const want = Math.min(PAIRS_PER_FARM, total - this.pairs);
      const child = spawn(process.execPath, ['--import', 'tsx', FARM, '--pairs', String(want), '--address', `127.0.0.${this.nextHost++}`], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      this.children.push(child);
      const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
      this.pairs += (JSON.parse(line) as { pairs: number }).pairs;
    }
  }

  close(): void {
    for (const child of this.children) if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function timeMs(fn: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({ args: argv, strict: false, options: { sizes: { type: 'string' }, repeat: { type: 'string' } } });
  const sizes = String(values.sizes ?? '2000,20000,50000').split(',').map(Number);
  const repeat = Number(values.repeat ?? 9);
  const addon = loadAddon();
  const source = createNetlinkSource();
  const rows: [string, () => unknown][] = [
    ['C++ dump → table, no JS objects', () => addon.tcpDiagDump?.()],
    ['C++ dump → table → TS decode every row', () => new TcpSocketTable(addon.tcpDiagDump!()).toArray()],
    ['C++ dump → one JS object per socket (C++)', () => addon.tcpDiagDumpObjects?.()],
    ['netlink source collect() → Connection[]', () => source.collect()],
    ['spawn `ss -tanoiH` (output discarded)', () => spawnSync('ss', ['-tanoiH'], { maxBuffer: 1 << 30 })],
  ];
  const farms = new Farms();
  try {
    console.log(`node ${process.version}, kernel ${spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim()}, medians of ${repeat}`);
    console.log('| pairs | sockets dumped | variant | median ms | µs / socket |');
    console.log('|---:|---:|---|---:|---:|');
    for (const size of sizes) {
      await farms.growTo(size);
      const sockets = addon.tcpDiagDump!().count;
      const samples = rows.map((): number[] => []);
      for (const [, fn] of rows) await fn(); // warm-up
      for (let r = 0; r < repeat; r++) for (const [i, [, fn]] of rows.entries()) samples[i]?.push(await timeMs(fn));
      for (const [i, [name]] of rows.entries()) {
        const ms = median(samples[i] ?? []);
        console.log(`| ${farms.pairs} | ${sockets} | ${name} | ${ms.toFixed(1)} | ${((ms * 1000) / sockets).toFixed(2)} |`);
      }
    }
  } finally {
    farms.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
