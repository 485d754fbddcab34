/**
 * A child process that keeps short-lived loopback connections cycling: about
 * `--rate` opened (and as many closed) per second, to its own listener on
 * `--address`, at most `--max-open` client sockets open at once.
 *
 *   node --import tsx test/load/helpers/churner.ts --rate 1000 --address 127.0.0.240
 *
 * Each connection lives a random 0–2×`--mean-life-ms` after connecting, then:
 *   - most are reset by the client (RST: no TIME_WAIT, the ephemeral port is free at once);
 *   - every `--fin-every`th: the listener's side closes first (FIN), the client
 *     sits in CLOSE_WAIT for a while, then resets (states change under the collector);
 *   - every `--graceful-every`th: the listener's side closes first and the client
 *     answers with its own FIN, so the TIME_WAIT lands on the listener's side
 *     (TIME_WAIT has no inode: the dashboard keys it by its 4-tuple).
 *
 * stdout, one JSON line each: {"ready":true,"pid":…,"port":…} once listening;
 * {"second":n,"opened":…,"closed":…,"open":…,"acceptedOpen":…,"failed":…,"capped":…}
 * every second once started; {"stopped":true,…totals} after "stop".
 * stdin lines: "start", "stop". Exits, resetting every socket, when stdin closes.
 */
import { once } from 'node:events';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    address: { type: 'string', default: '127.0.0.240' },
    'max-open': { type: 'string', default: '4000' },
    'mean-life-ms': { type: 'string', default: '1000' },
    'fin-every': { type: 'string', default: '7' },
    'graceful-every': { type: 'string', default: '50' },
  },
});

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`churner.ts: --${name} must be a positive integer, got ${text}`);
    process.exit(2);
  }
  return n;
}

const rate = positiveInt('rate', values.rate);
// 2 fds a connection (client and accepted): 4,000 open stays far under the 20,000 fds a process may hold.
const maxOpen = Math.min(positiveInt('max-open', values['max-open']), 8_000);
const meanLifeMs = positiveInt('mean-life-ms', values['mean-life-ms']);
const finEvery = positiveInt('fin-every', values['fin-every']);
const gracefulEvery = positiveInt('graceful-every', values['graceful-every']);
const address = values.address;

const clients = new Set<net.Socket>();
const accepted = new Set<net.Socket>();
const totals = { opened: 0, connected: 0, closed: 0, failed: 0, capped: 0, rst: 0, fin: 0, graceful: 0 };

const server = net.createServer((socket) => {
  accepted.add(socket);
  socket.on('error', () => {});
  socket.on('close', () => accepted.delete(socket));
  // The client's "c" asks this side to close first.
  socket.on('data', (data) => {
    if (data.includes(0x63)) socket.end();
  });
});
server.listen({ host: address, port: 0, backlog: 4096 });
await once(server, 'listening');
const port = (server.address() as net.AddressInfo).port;

const lifeMs = (): number => Math.random() * 2 * meanLifeMs;

function reset(socket: net.Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

function openOne(): void {
  const index = totals.opened++;
  const mode = index % gracefulEvery === 0 ? 'graceful' : index % finEvery === 0 ? 'fin' : 'rst';
  totals[mode]++;
  // Half-open allowed, so a FIN from the listener's side leaves this one in CLOSE_WAIT until we act.
  const socket = net.connect({ host: address, port, allowHalfOpen: true });
  clients.add(socket);
  let connected = false;
  socket.on('error', () => {
    if (!connected) totals.failed++;
  });
  socket.once('close', () => {
    clients.delete(socket);
    totals.closed++;
  });
  socket.once('connect', () => {
    connected = true;
    totals.connected++;
    setTimeout(() => {
      if (socket.destroyed) return;
      if (mode === 'rst') return reset(socket);
      socket.once('end', () => {
        if (mode === 'graceful') socket.end();
        else setTimeout(() => reset(socket), lifeMs());
      });
      socket.write('c');
    }, lifeMs());
  });
  socket.resume();
}

let started = 0;
let ticker: NodeJS.Timeout | null = null;
let reporter: NodeJS.Timeout | null = null;
let last = { ...totals };
let second = 0;

function start(): void {
  if (ticker) return;
  started = performance.now();
  // Paced by elapsed time, not by timer count: a late timer opens what is due.
  ticker = setInterval(() => {
    const due = Math.floor((rate * (performance.now() - started)) / 1000) - totals.opened - totals.capped;
    for (let i = 0; i < due; i++) {
      if (clients.size >= maxOpen) totals.capped++;
      else openOne();
    }
  }, 5);
  reporter = setInterval(() => {
    second++;
    const line = {
      second,
      opened: totals.opened - last.opened,
      closed: totals.closed - last.closed,
      failed: totals.failed - last.failed,
      capped: totals.capped - last.capped,
      open: clients.size,
      acceptedOpen: accepted.size,
    };
    last = { ...totals };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }, 1000);
}

async function stop(): Promise<void> {
  if (ticker) clearInterval(ticker);
  if (reporter) clearInterval(reporter);
  ticker = null;
  for (const socket of clients) reset(socket);
  // Every accepted socket closes once its client's RST (or FIN) arrives.
  const deadline = performance.now() + 10_000;
  while ((clients.size > 0 || accepted.size > 0) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  process.stdout.write(`${JSON.stringify({ stopped: true, ...totals, open: clients.size, acceptedOpen: accepted.size, seconds: (performance.now() - started) / 1000 })}\n`);
}

function shutdown(code: number): never {
  for (const socket of clients) reset(socket);
  for (const socket of accepted) reset(socket);
  server.close();
  process.exit(code);
}

process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid, port, address })}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'start') start();
  else if (line.trim() === 'stop') void stop();
});
lines.on('close', () => shutdown(0));
process.on('SIGINT', () => shutdown(130));
process.on('SIGTERM', () => shutdown(143));
