/**
 * The native layer's figures for sampling by prediction, at N idle loopback
 * pairs held by child processes (bench/holders): a full dump, a differ sweep
 * of a host where nothing changed, an exact lookup of 100 sockets, and
 * reading 1,000 foreign sockets' keepalive settings in one batch against
 * 1,000 single reads. The dump's kernel time has a floor whatever the socket
 * count (it walks every bucket of the established hash). Medians of --repeat samples, interleaved.
 *
 *   node --import tsx bench/native-sweep.ts                  (10,000 pairs, 5 repeats)
 *   node --import tsx bench/native-sweep.ts --pairs 2000 --repeat 9
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { parseArgs } from 'node:util';

import {
  createTcpSocketDiffer,
  dumpTcpSocketsAsync,
  getForeignKeepalive,
  lookupTcpSocketsAsync,
  readForeignKeepaliveBatch,
  type DiagKey,
  type ForeignBatchItem,
} from '@keepalive-dashboard/native';

import { HolderFleet } from './holders/fleet.js';

// What the collector would pass: well above a jiffy and a preempted worker thread.
const TOLERANCE_MS = 100;
const LOOKUP_KEYS = 100;
const FOREIGN_SOCKETS = 1000;

const { values } = parseArgs({ options: { pairs: { type: 'string', default: '10000' }, repeat: { type: 'string', default: '5' } } });
const pairs = Number(values.pairs);
const repeat = Number(values.repeat);
if (!Number.isInteger(pairs) || pairs < 1 || pairs > 10_000) throw new RangeError(`--pairs must be 1–10000 (the machine is shared), got ${values.pairs}`);
if (!Number.isInteger(repeat) || repeat < 1) throw new RangeError(`--repeat must be a positive integer, got ${values.repeat}`);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

interface Sample {
  wallMs: number;
  /** user + system CPU of the whole process (the libuv worker that dumps included). */
  cpuMs: number;
}

async function timed<T>(into: Sample[], fn: () => Promise<T> | T): Promise<T> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await fn();
  const used = process.cpuUsage(cpu);
  into.push({ wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000 });
  return result;
}

/** The first `limit` TCP sockets (inodes in `tcp`) process `pid` holds, from /proc/<pid>/fd; its stdio are unix sockets. */
function socketsOf(pid: number, tcp: ReadonlySet<number>, limit: number): ForeignBatchItem[] {
  const items: ForeignBatchItem[] = [];
  for (const name of readdirSync(`/proc/${pid}/fd`)) {
    const inode = Number(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${name}`))?.[1]);
    if (tcp.has(inode)) items.push({ fd: Number(name), inode });
    if (items.length === limit) break;
  }
  return items;
}

const fleet = new HolderFleet();
process.on('exit', () => fleet.killNow());
try {
  const holders = await fleet.growTo(pairs);
  const ports = new Set(holders.flatMap((h) => h.ports));
  const table = await dumpTcpSocketsAsync();
  const keys: DiagKey[] = [];
  const tcpInodes = new Set<number>();
  for (let i = 0; i < table.length; i++) {
    if (!ports.has(table.peerPort(i))) continue;
    tcpInodes.add(table.inode(i));
    if (keys.length === LOOKUP_KEYS) continue;
    const s = table.at(i);
    keys.push({ family: s.family, local: s.local, peer: s.peer, ifindex: s.ifindex, cookie: s.cookie });
  }
  const holder = holders[0];
  if (!holder) throw new Error('no holder started');
  const items = socketsOf(holder.pid, tcpInodes, FOREIGN_SOCKETS);

  const differ = createTcpSocketDiffer();
  const first = await differ.sweep(TOLERANCE_MS);
  const samples = { dump: [] as Sample[], decode: [] as Sample[], sweep: [] as Sample[], lookup: [] as Sample[], batch: [] as Sample[], single: [] as Sample[] };
  const changedRows: number[] = [];
  for (let r = 0; r < repeat; r++) {
    await timed(samples.dump, () => dumpTcpSocketsAsync());
    await timed(samples.decode, async () => (await dumpTcpSocketsAsync()).toArray());
    changedRows.push((await timed(samples.sweep, () => differ.sweep(TOLERANCE_MS))).changed.length);
    const { found } = await timed(samples.lookup, () => lookupTcpSocketsAsync(keys));
    if (found.length !== keys.length) throw new Error(`lookup found ${found.length} of ${keys.length}`);
    const results = await timed(samples.batch, () => readForeignKeepaliveBatch(holder.pid, items));
    if (results.some((x) => 'error' in x)) throw new Error('a batch item failed');
    await timed(samples.single, () => items.forEach(({ fd, inode }) => getForeignKeepalive(holder.pid, fd, { inode })));
  }
  differ.close();

  console.log(`${first.total} sockets on the host (${fleet.pairs} idle pairs in ${holders.length} holders), medians of ${repeat}\n`);
  console.log('| operation | wall ms | CPU ms |');
  console.log('|---|---:|---:|');
  const row = (name: string, xs: Sample[]): void =>
    console.log(`| ${name} | ${median(xs.map((x) => x.wallMs)).toFixed(1)} | ${median(xs.map((x) => x.cpuMs)).toFixed(1)} |`);
  row(`dumpTcpSocketsAsync (${first.total} rows)`, samples.dump);
  row('dumpTcpSocketsAsync + decode every row (a tick before the differ)', samples.decode);
  row(`differ sweep, unchanged host (${median(changedRows)} rows changed; first sweep ${first.changed.length})`, samples.sweep);
  row(`lookupTcpSocketsAsync, ${keys.length} keys`, samples.lookup);
  row(`readForeignKeepaliveBatch, ${items.length} sockets`, samples.batch);
  row(`getForeignKeepalive × ${items.length}`, samples.single);
} finally {
  await fleet.stop();
}
