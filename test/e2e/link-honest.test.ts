/**
 * Honest state across a server restart, in real Chromium against the real
 * server: a port filter typed while the link is down narrows the rows on hand
 * (and says it was applied here), and a restart with a new token shows
 * "session ended" at the first refused reconnect, not at the health poll.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import Fastify, { type FastifyInstance } from 'fastify';

import { app } from '@keepalive-dashboard/server';
import { serverOptions } from '@keepalive-dashboard/server/server-options';

import { artifact, ensureWebBuild, openBrowser, requireChromium, until, WEB_DIST } from './harness.js';

/** `count` connected loopback pairs on one listener; its port. Everything is closed after the test. */
async function openPairs(t: TestContext, count: number): Promise<number> {
  const sockets: Socket[] = [];
  const listener: Server = createServer((socket) => sockets.push(socket));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    listener.close();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const address = listener.address();
  if (!address || typeof address !== 'object') throw new Error('listener has no address');
  for (let i = 0; i < count; i++) {
    const socket = connect(address.port, '127.0.0.1');
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  }
  return address.port;
}

/** The server on `port` with `token`; every request's path goes into `requests`, in order of arrival. */
async function serveOn(t: TestContext, port: number, token: string, requests: string[]): Promise<FastifyInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'ka-link-'));
  const fastify = Fastify(serverOptions());
  t.after(async () => {
    const closing = fastify.close();
    fastify.server.closeAllConnections();
    await closing;
    rmSync(dir, { recursive: true, force: true });
  });
  fastify.addHook('onRequest', async (request) => void requests.push(request.url.split('?')[0] ?? ''));
  await fastify.register(app, { token, collect: true, intervalMs: 500, webRoot: WEB_DIST, auditLogPath: join(dir, 'audit.jsonl'), namespaces: 'own', log: () => {} });
  await fastify.listen({ host: '127.0.0.1', port });
  return fastify;
}

/** The page's 10 s timers (the health poll) are put off for an hour: only the reconnect path can ask for /api/health. */
const HOLD_OFF_HEALTH_POLL = `{ const real = window.setTimeout; window.setTimeout = (fn, ms, ...rest) => real(fn, ms === 10000 ? 3600000 : ms, ...rest); }`;

test('link down: a port filter narrows the rows on hand, said so; restarted with a new token: "session ended" at the first refused reconnect', { timeout: 240_000 }, async (t) => {
  requireChromium();
  ensureWebBuild();
  const [portA, portB] = [await openPairs(t, 3), await openPairs(t, 3)];
  const firstLog: string[] = [];
  const first = await serveOn(t, 0, 'link-token-before-restart-0001', firstLog);
  const address = first.server.address();
  if (!address || typeof address !== 'object') throw new Error('no address');
  const base = `http://127.0.0.1:${address.port}`;
  const { page, problems } = await openBrowser(t);
  await page.addInitScript({ content: HOLD_OFF_HEALTH_POLL });
  await page.goto(`${base}/login?code=${first.ka.auth.sessions.issueCode()}`);
  await page.getByTestId('link-status').filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
  const port = page.getByLabel('Port', { exact: true });
  await port.fill(`${portA},${portB}`);
  const rows = page.locator('table.connections tbody tr.row');
  await until('both listeners\' rows', async () => (await rows.count()) >= 14, 20_000);

  const closing = first.close();
  first.server.closeAllConnections();
  await closing;
  await page.getByTestId('stale-banner').waitFor({ timeout: 30_000 });
  await port.fill(String(portA));
  await page.getByTestId('filtered-here').waitFor({ timeout: 10_000 });
  const texts = await rows.allTextContents();
  assert.ok(texts.length >= 7, `port ${portA}: its listener and 3 pairs' two ends, got ${texts.length} rows`);
  for (const text of texts) assert.ok(text.includes(`:${portA}`) && !text.includes(`:${portB}`), `row ${text} is port ${portA}'s`);
  assert.match((await page.getByTestId('totals').textContent()) ?? '', new RegExp(`Showing ${texts.length} of`));
  await page.screenshot({ path: artifact('link-filtered-here.png') });

  const log: string[] = [];
  await serveOn(t, address.port, 'link-token-after-restart-0002', log);
  await page.getByTestId('session-ended').getByRole('heading', { name: 'Your session ended' }).waitFor({ timeout: 60_000 });
  const seen = [...log];
  const firstStream = seen.indexOf('/api/stream');
  assert.ok(firstStream >= 0, `a reconnect reached the new server: ${seen.join(' ')}`);
  assert.equal(seen.slice(0, firstStream).includes('/api/health'), false, `nothing asked for health before the reconnect: ${seen.join(' ')}`);
  assert.ok(seen.slice(firstStream).includes('/api/health'), `the refused reconnect asked for health: ${seen.join(' ')}`);
  assert.ok(seen.filter((path) => path === '/api/stream').length <= 2, `shown within one reconnect attempt (give or take the one in flight): ${seen.join(' ')}`);
  // The browser reports each refused connection and 401 itself; anything else (a page error, CSP) is a problem.
  assert.deepEqual(problems.filter((p) => !/^console: (Failed to load resource|WebSocket connection to )/.test(p)), []);
});
