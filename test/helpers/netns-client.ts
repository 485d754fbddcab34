/**
 * Runs inside a test's network namespace (`ip netns exec NS node --import tsx …`), where the test
 * process cannot reach loopback. Line protocol on stdin/stdout, one JSON object per line:
 *   first line out: {"listening": PORT}   a listener of its own, for loopback checks
 *   in  {"id", "op": "http", "url", "method", "token", "body"?}  out {"id", "status", "body"}
 *   in  {"id", "op": "connect"}                                   out {"id", "ok": true} or {"id", "error"}
 * Exits when stdin closes.
 */
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';

const CONNECT_TIMEOUT_MS = 5000;
const HTTP_TIMEOUT_MS = 30_000;

interface Request {
  id: number;
  op: 'http' | 'connect';
  url?: string;
  method?: string;
  token?: string;
  body?: unknown;
}

const listener = createServer((socket) => socket.end());
listener.listen(0, '127.0.0.1');
await new Promise((resolve) => listener.once('listening', resolve));
const port = (listener.address() as AddressInfo).port;
const reply = (answer: object): void => void process.stdout.write(`${JSON.stringify(answer)}\n`);

async function http(request: Request): Promise<object> {
  const hasBody = request.body !== undefined;
  const res = await fetch(request.url ?? '', {
    method: request.method ?? 'GET',
    headers: { authorization: `Bearer ${request.token ?? ''}`, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
    ...(hasBody ? { body: JSON.stringify(request.body) } : {}),
    // Generous (busy machines), but a request into a broken loopback must fail, not hang the test.
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the test's message
  }
  return { status: res.status, body };
}

function connect(): Promise<object> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port, timeout: CONNECT_TIMEOUT_MS });
    socket.once('connect', () => {
      socket.destroy();
      resolve({ ok: true });
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve({ error: 'ETIMEDOUT' });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
  });
}

reply({ listening: port });
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const request = JSON.parse(line) as Request;
  (request.op === 'http' ? http(request) : connect()).then(
    (answer) => reply({ id: request.id, ...answer }),
    (error: Error) => reply({ id: request.id, error: error.message }),
  );
});
lines.on('close', () => listener.close());
