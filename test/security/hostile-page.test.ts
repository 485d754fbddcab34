/**
 * A hostile web page in the operator's real browser: served from another
 * port of 127.0.0.1 (same site as the dashboard, so SameSite cookies travel
 * with its requests), it tries to read the stream and the API and to change
 * something, before and after the operator logged in. And a DNS-rebinding
 * name that resolves to 127.0.0.1 gets nothing either.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import { test } from 'node:test';

import { ensureWebBuild, openBrowser, requireChromium, startServer } from '../e2e/harness.js';

/** The attacks, run in the hostile page; each reports what it managed to read or do. */
function hostileScript(target: string): string {
  return `
  const target = ${JSON.stringify(target)};
  const ws = (path) => new Promise((resolve) => {
    let got = 0;
    const s = new WebSocket(target.replace('http', 'ws') + path);
    s.onmessage = (e) => { got += String(e.data).length; };
    s.onclose = () => resolve(got);
    s.onerror = () => {};
    setTimeout(() => { s.close(); resolve(got); }, 3000);
  });
  const read = (path, init) => fetch(target + path, { credentials: 'include', ...init }).then((r) => r.text()).then((t) => t.length, () => -1);
  window.results = Promise.all([
    ws('/api/stream'), ws('/%61pi/stream'),
    read('/api/connections'), read('/%61pi/connections'),
    fetch(target + '/api/lab/listeners', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: '{"port":0}' }).then(() => 0, () => -1),
    fetch(target + '/%61pi/lab/listeners', { method: 'POST', mode: 'no-cors', credentials: 'include', body: '{"port":0}' }).then(() => 0, () => -1),
  ]).then(([stream, streamEncoded, rest, restEncoded]) => ({ stream, streamEncoded, rest, restEncoded }));
  `;
}

async function hostileServer(t: Parameters<typeof startServer>[0], target: string): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><title>totally harmless</title><script>${hostileScript(target)}</script>`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections(); // the browser's idle and preconnected sockets
    return closed;
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

test('a page on another local port reads nothing and changes nothing, logged in or not', { timeout: 180_000 }, async (t) => {
  requireChromium();
  ensureWebBuild();
  const server = await startServer(t);
  const evil = await hostileServer(t, server.base);
  const { page } = await openBrowser(t);
  const attack = async (): Promise<Record<string, number>> => {
    await page.goto(evil);
    return (await page.evaluate('window.results')) as Record<string, number>;
  };
  const before = await attack();
  await page.goto(server.loginUrl());
  await page.getByTestId('link-status').filter({ hasText: 'Live' }).waitFor({ timeout: 30_000 });
  const cookies = await page.context().cookies(server.base);
  assert.ok(cookies.some((c) => c.name.startsWith('ka_session_')), 'the operator is logged in');
  const after = await attack();
  for (const [when, results] of [['before login', before], ['after login', after]] as const) {
    assert.equal(results.stream, 0, `${when}: no stream frame reached the page`);
    assert.equal(results.streamEncoded, 0, `${when}: nor through /%61pi/stream`);
    assert.equal(results.rest, -1, `${when}: the API is unreadable`);
    assert.equal(results.restEncoded, -1, `${when}: also percent-encoded`);
  }
  const lab = await server.api<{ entries: unknown[] }>('GET', '/api/lab');
  assert.equal(lab.body.entries.length, 0, 'no lab listener was opened by the page');
});

test('a DNS-rebinding name that resolves to 127.0.0.1 is refused by Host, in a real browser', { timeout: 120_000 }, async (t) => {
  requireChromium();
  ensureWebBuild();
  const server = await startServer(t);
  const port = new URL(server.base).port;
  const { page } = await openBrowser(t, ['--host-resolver-rules=MAP rebind.attacker.test 127.0.0.1']);
  const response = await page.goto(`http://rebind.attacker.test:${port}/api/health`);
  assert.equal(response?.status(), 421);
  const login = await page.goto(`http://rebind.attacker.test:${port}${new URL(server.loginUrl()).pathname}${new URL(server.loginUrl()).search}`);
  assert.equal(login?.status(), 421, 'not even a valid login code is taken under a foreign name');
});
