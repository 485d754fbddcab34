// A separate process holding idle loopback pairs: `pairs` over 127.0.0.1 first, then `pairs` over ::1, both ends
// here, keepalive set on the client ends. Prints one JSON line {pid, sockets: [{family, role, fd, inode, keepalive}]}
// (its own getsockopt view). Then for each `idle <sec> <4|6>` line on stdin it sets TCP_KEEPIDLE on that family's
// client sockets itself and prints {event: 'idle', inodes}. Exits when stdin closes: it never outlives its test.
// Usage: node foreign-holder.mjs <pairs per family>
import { once } from 'node:events';
import { fstatSync } from 'node:fs';
import net from 'node:net';

import { fdOf, getKeepalive, setKeepalive } from '@keepalive-dashboard/native';

const pairs = Number(process.argv[2] ?? 150);
const sockets = [];

async function openPairs(host, family) {
  const accepted = [];
  const server = net.createServer((socket) => accepted.push(socket.on('error', () => {})));
  server.listen(0, host, 1024);
  await once(server, 'listening');
  const clients = [];
  // In batches well under the backlog: a full accept queue drops SYNs (a 1 s retransmit each).
  for (let opened = 0; opened < pairs; opened += 100) {
    const batch = Array.from({ length: Math.min(100, pairs - opened) }, () => net.connect(server.address().port, host).on('error', () => {}));
    await Promise.all(batch.map((c) => once(c, 'connect')));
    clients.push(...batch);
  }
  while (accepted.length < pairs) await new Promise((resolve) => setTimeout(resolve, 10));
  for (const client of clients) setKeepalive(client, { enabled: true, idleSec: 600, intervalSec: 30, count: 4, userTimeoutMs: 0 });
  for (const [role, list] of [['client', clients], ['server', accepted]]) {
    for (const socket of list) {
      const fd = fdOf(socket);
      sockets.push({ family, role, fd, inode: fstatSync(fd).ino, keepalive: getKeepalive(fd), socket });
    }
  }
}

await openPairs('127.0.0.1', 4);
await openPairs('::1', 6);
console.log(JSON.stringify({ pid: process.pid, sockets: sockets.map(({ socket: _, ...rest }) => rest) }));
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  for (const line of text.split('\n')) {
    const [command, sec, family] = line.trim().split(/\s+/);
    if (command !== 'idle') continue;
    const mine = sockets.filter((s) => s.role === 'client' && s.family === Number(family));
    for (const s of mine) setKeepalive(s.fd, { idleSec: Number(sec) });
    console.log(JSON.stringify({ event: 'idle', inodes: mine.map((s) => s.inode) }));
  }
});
process.stdin.on('end', () => process.exit(0));
