/**
 * A child process that holds N idle loopback TCP connection pairs (listener
 * and client in this same process, so each pair costs 2 sockets and 2 fds).
 *
 *   node --import tsx bench/holders/pairs.ts --pairs 8000 --address 127.0.0.5
 *
 * Prints one JSON line on stdout when every pair is connected and accepted:
 *   {"ready":true,"pid":…,"pairs":…,"keepalive":…,"address":…,"ports":[…],"setupMs":…}
 * then holds them until stdin closes (the parent ended it, or died) or
 * SIGINT/SIGTERM, and exits after resetting every socket.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string' },
    address: { type: 'string', default: '127.0.0.2' },
    // Several listening ports, so no (src, dst, dst port) tuple needs many ephemeral ports.
    listeners: { type: 'string', default: '2' },
    'keepalive-every': { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '256' },
  },
});

function positiveInt(name: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`pairs.ts: --${name} must be a positive integer, got ${text}`);
    process.exit(2);
  }
  return n;
}

const pairs = positiveInt('pairs', values.pairs);
const listenerCount = positiveInt('listeners', values.listeners);
const keepaliveEvery = positiveInt('keepalive-every', values['keepalive-every']);
const concurrency = positiveInt('concurrency', values.concurrency);
const address = values.address;

// Over the fd limit, libuv's EMFILE handling accepts and silently closes the
// connection: no error, just a stall. Refuse up front instead.
const OWN_FDS = 64;
const limits = readFileSync('/proc/self/limits', 'utf8');
const maxFds = Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1] ?? Infinity);
if (2 * pairs + listenerCount + OWN_FDS > maxFds) {
  console.error(`pairs.ts: ${pairs} pairs need ${2 * pairs + listenerCount + OWN_FDS} fds; this process may open ${maxFds}`);
  process.exit(2);
}

const started = performance.now();
const sockets: net.Socket[] = [];
const servers: net.Server[] = [];
let accepted = 0;
let connected = 0;
let opened = 0;
let keepalive = 0;
let ready = false;

function fail(error: Error): never {
  console.error(`pairs.ts (pid ${process.pid}): ${error.message} after ${connected}/${pairs} connects`);
  shutdown(1);
}

function shutdown(code: number): never {
  // RST rather than FIN: an orderly close would leave one TIME-WAIT socket per
  // pair behind for 60 s, visible to every dump that runs after us.
  for (const socket of sockets) {
    try {
      socket.resetAndDestroy();
    } catch {
      socket.destroy();
    }
  }
  for (const server of servers) server.close();
  process.exit(code);
}

function maybeReady(): void {
  if (ready || connected < pairs || accepted < pairs) return;
  ready = true;
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  const line = { ready: true, pid: process.pid, pairs, keepalive, address, ports, setupMs: performance.now() - started };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

for (let i = 0; i < listenerCount; i++) {
  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    socket.on('error', () => {});
    sockets.push(socket);
    accepted++;
    maybeReady();
  });
  server.on('error', fail);
  // The backlog covers every connect in flight; the kernel clamps it to net.core.somaxconn.
  server.listen({ host: address, port: 0, backlog: Math.max(511, concurrency * 2) });
  await once(server, 'listening');
  servers.push(server);
}
const ports = servers.map((s) => (s.address() as net.AddressInfo).port);

function openNext(): void {
  if (opened >= pairs) return;
  const index = opened++;
  const socket = net.connect({ host: address, port: ports[index % ports.length] as number });
  sockets.push(socket);
  socket.once('error', fail);
  socket.once('connect', () => {
    socket.removeListener('error', fail);
    socket.on('error', () => {});
    socket.pause();
    if (index % keepaliveEvery === 0) {
      // Idle 5–11 min: timers armed and visible to ss -o, but no probe fires during a run.
      socket.setKeepAlive(true, 300_000 + (index % 7) * 60_000);
      keepalive++;
    }
    connected++;
    maybeReady();
    openNext();
  });
}

// A connect refused or dropped somewhere we cannot see shows up only as no progress.
const STALL_MS = 10_000;
let lastProgress = connected + accepted;
const watchdog = setInterval(() => {
  if (ready) return clearInterval(watchdog);
  if (connected + accepted === lastProgress) fail(new Error(`no progress for ${STALL_MS} ms (${accepted}/${pairs} accepted)`));
  lastProgress = connected + accepted;
}, STALL_MS);

// Bounded concurrency: enough connects in flight to keep both cores busy,
// few enough that the accept queues never overflow (an overflow costs a 1 s SYN retry).
for (let i = 0; i < Math.min(concurrency, pairs); i++) openNext();

process.stdin.on('end', () => shutdown(0));
process.stdin.on('close', () => shutdown(0));
process.stdin.resume();
process.on('SIGINT', () => shutdown(130));
process.on('SIGTERM', () => shutdown(143));
