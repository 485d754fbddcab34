/**
 * A child process that holds K idle loopback pairs, like ../holders/pairs.ts,
 * and on command closes every one of them and opens K new ones: the churn
 * the server benchmark measures. pairs.ts has no churn command and other
 * benchmarks depend on it as it is, hence this separate holder.
 *
 *   node --import tsx bench/server/churn-holder.ts --pairs 500 --address 127.0.0.200
 *
 * stdout, one JSON line each:
 *   {"ready":true,"pid":…,"pairs":…,"address":…,"port":…}      once every pair is up
 *   {"churned":K,"ms":…}                                       after each "churn" line on stdin
 * Exits, resetting every socket, when stdin closes or on SIGINT/SIGTERM.
 */
import { once } from 'node:events';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string' },
    address: { type: 'string', default: '127.0.0.200' },
  },
});
const pairs = Number(values.pairs);
if (!Number.isInteger(pairs) || pairs < 1 || pairs > 9_000) {
  // 9,000 pairs is 18,000 fds: under the 20,000 a process may hold.
  console.error(`churn-holder.ts: --pairs must be 1–9000, got ${values.pairs}`);
  process.exit(2);
}
const address = values.address;

interface Pair {
  client: net.Socket;
  accepted: net.Socket | null;
}

let current: Pair[] = [];
// Accepted sockets arrive in whatever order the kernel completes them; a pair
// is matched by the client's local port.
const waitingForAccept = new Map<number, (socket: net.Socket) => void>();
// Accepted before the client's connect callback ran.
const parked = new Map<number, net.Socket>();

const server = net.createServer({ pauseOnConnect: true }, (socket) => {
  socket.on('error', () => {});
  const resolve = waitingForAccept.get(socket.remotePort ?? -1);
  if (resolve) {
    waitingForAccept.delete(socket.remotePort ?? -1);
    resolve(socket);
  } else {
    parked.set(socket.remotePort ?? -1, socket);
  }
});
server.listen({ host: address, port: 0, backlog: 4096 });
await once(server, 'listening');
const port = (server.address() as net.AddressInfo).port;

function acceptedFor(localPort: number): Promise<net.Socket> {
  const early = parked.get(localPort);
  if (early) {
    parked.delete(localPort);
    return Promise.resolve(early);
  }
  return new Promise((resolve) => waitingForAccept.set(localPort, resolve));
}

async function openPair(): Promise<Pair> {
  const client = net.connect({ host: address, port });
  await once(client, 'connect');
  client.on('error', () => {});
  client.pause();
  const accepted = await acceptedFor(client.localPort as number);
  return { client, accepted };
}

/** Opens `count` pairs, at most 128 connects in flight (the backlog never overflows). */
async function openPairs(count: number): Promise<Pair[]> {
  const out: Pair[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      out.push(await openPair());
    }
  };
  await Promise.all(Array.from({ length: Math.min(128, count) }, worker));
  return out;
}

function resetPair(pair: Pair): void {
  // RST rather than FIN: no TIME-WAIT sockets, so the churn is exactly K closed and K opened.
  for (const socket of [pair.client, pair.accepted]) {
    if (!socket) continue;
    try {
      socket.resetAndDestroy();
    } catch {
      socket.destroy();
    }
  }
}

function shutdown(code: number): never {
  for (const pair of current) resetPair(pair);
  server.close();
  process.exit(code);
}

function fail(error: Error): never {
  console.error(`churn-holder.ts (pid ${process.pid}): ${error.message}`);
  shutdown(1);
}

current = await openPairs(pairs).catch(fail);
process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid, pairs, address, port })}\n`);

let busy = false;
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() !== 'churn' || busy) return;
  busy = true;
  const started = performance.now();
  for (const pair of current) resetPair(pair);
  openPairs(pairs).then((fresh) => {
    current = fresh;
    busy = false;
    process.stdout.write(`${JSON.stringify({ churned: pairs, ms: performance.now() - started })}\n`);
  }, fail);
});
lines.on('close', () => shutdown(0));
process.on('SIGINT', () => shutdown(130));
process.on('SIGTERM', () => shutdown(143));
