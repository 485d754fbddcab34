// A separate process holding one idle ESTABLISHED loopback connection (client
// and server end both here) with keepalive set to known values on the client.
// Prints one JSON line {pid, fd, inode, localPort, peerPort, keepalive}; then
// one line per error on the client socket ({event: 'error', code}), and its own
// getsockopt view ({event: 'keepalive', keepalive}) for each `get` line on stdin; `set {json}` changes its
// own settings first, as a program that tunes itself (PostgreSQL's SET tcp_keepalives_*) does. Exits when
// its stdin closes, so it never outlives the test that spawned it.
// Usage: node socket-holder.mjs [host]   (127.0.0.1 by default)
import { once } from 'node:events';
import { fstatSync } from 'node:fs';
import net from 'node:net';

import { fdOf, getKeepalive, setKeepalive } from '@keepalive-dashboard/native';

const host = process.argv[2] ?? '127.0.0.1';
const server = net.createServer((socket) => socket.on('error', () => {}));
server.listen(0, host);
await once(server, 'listening');
const client = net.connect(server.address().port, host);
await once(client, 'connect');
setKeepalive(client, { enabled: true, idleSec: 600, intervalSec: 30, count: 4, userTimeoutMs: 0 });
client.on('error', (error) => console.log(JSON.stringify({ event: 'error', code: error.code })));
const fd = fdOf(client);
console.log(
  JSON.stringify({
    pid: process.pid,
    fd,
    inode: fstatSync(fd).ino,
    localPort: client.localPort,
    peerPort: client.remotePort,
    keepalive: getKeepalive(client),
  }),
);
// `get` on stdin: the owner's own view of its keepalive settings, one JSON line.
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  for (const line of text.split('\n')) {
    if (line.startsWith('set ')) setKeepalive(client, JSON.parse(line.slice(4)));
    if (line.trim() === 'get' || line.startsWith('set ')) console.log(JSON.stringify({ event: 'keepalive', keepalive: getKeepalive(client) }));
  }
});
process.stdin.on('end', () => process.exit(0));
