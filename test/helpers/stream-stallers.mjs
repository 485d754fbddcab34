// A separate process holding many /api/stream clients that never read (their
// TCP socket paused right after the upgrade), each sending a select every
// selectEveryMs. Prints {"ready": count} once every client is open. Then either
//  - readAfterMs set: at that time after ready it stops selecting, resumes reading and prints
//    {"closes": [{code, reason} | null, ...]} (null: still open after waitCloseMs), or
//  - otherwise: it prints {"done": true} after runMs and keeps its sockets until stdin closes.
// Exits when its stdin closes, so it never outlives the test that spawned it.
// Usage: node stream-stallers.mjs '{"base":"http://127.0.0.1:PORT","token":"…","count":300,"selectId":"…",
//          "selectEveryMs":100,"runMs":60000,"readAfterMs":null,"waitCloseMs":20000}'
import { once } from 'node:events';

import { WebSocket } from 'ws';

const options = JSON.parse(process.argv[2]);
const url = `${options.base.replace(/^http/, 'ws')}/api/stream`;
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

const clients = [];
const closes = [];
// In batches: a few hundred upgrades at once would overflow the server's accept queue (1 s SYN retries).
for (let i = 0; i < options.count; i += 50) {
  const batch = [];
  for (let j = i; j < Math.min(options.count, i + 50); j++) {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${options.token}` } });
    closes[j] = null;
    ws.on('close', (code, reason) => (closes[j] = { code, reason: String(reason) }));
    ws.on('error', () => {});
    ws.on('open', () => ws._socket.pause());
    clients.push(ws);
    batch.push(once(ws, 'open'));
  }
  await Promise.all(batch);
}
console.log(JSON.stringify({ ready: clients.length }));

const select = JSON.stringify({ type: 'select', id: options.selectId, intervalMs: 100 });
const selecting = setInterval(() => {
  for (const ws of clients) if (ws.readyState === WebSocket.OPEN) ws.send(select);
}, options.selectEveryMs);

if (options.readAfterMs !== null) {
  await new Promise((resolve) => setTimeout(resolve, options.readAfterMs));
  clearInterval(selecting);
  for (const ws of clients) ws._socket.resume();
  const deadline = Date.now() + options.waitCloseMs;
  while (Date.now() < deadline && closes.some((c) => c === null)) await new Promise((resolve) => setTimeout(resolve, 100));
  console.log(JSON.stringify({ closes }));
} else {
  await new Promise((resolve) => setTimeout(resolve, options.runMs));
  clearInterval(selecting);
  console.log(JSON.stringify({ done: true }));
}
