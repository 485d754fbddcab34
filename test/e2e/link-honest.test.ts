/**
 * Honest state across a server restart, in real Chromium against the real
 * server: a port filter typed while the link is down narrows the rows on hand
 * (and says it was applied here), and a restart with a new token shows
 * "session ended" at the first refused reconnect, not at the health poll.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';



import { artifact, ensureWebBuild, openBrowser, requireChromium, startServer, until } from './harness.js';
import { heldPairs } from '../helpers/many-pairs.js';

/** The page's 10 s timers (the health poll) are put off for an hour: only the reconnect path can ask for /api/health. */
const HOLD_OFF_HEALTH_POLL = `{ const real = window.setTimeout; window.setTimeout = (fn, ms, ...rest) => real(fn, ms === 10000 ? 3600000 : ms, ...rest); }`;

test('link down: a port filter narrows the rows on hand, said so; restarted with a new token: "session ended" at the first refused reconnect', { timeout: 240_000 }, async (t) => {
  requireChromium();
  ensureWebBuild();
  const [portA, portB] = [await heldPairs(t, 3), await heldPairs(t, 3)];
  const first = await startServer(t, {}, { token: 'link-token-before-restart-0001' });
  const { page, problems } = await openBrowser(t);
  await page.addInitScript({ content: HOLD_OFF_HEALTH_POLL });
  await page.goto(first.loginUrl());
  await page.getByTestId('link-status').filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
  const port = page.getByLabel('Port', { exact: true });
  await port.fill(`${portA},${portB}`);
  const rows = page.locator('table.connections tbody tr.row');
  await until('both listeners\' rows', async () => (await rows.count()) >= 14, 20_000);

  await first.stop();
  await page.getByTestId('stale-banner').waitFor({ timeout: 30_000 });
  await port.fill(String(portA));
  await page.getByTestId('filtered-here').waitFor({ timeout: 10_000 });
  const texts = await rows.allTextContents();
  assert.ok(texts.length >= 7, `port ${portA}: its listener and 3 pairs' two ends, got ${texts.length} rows`);
  for (const text of texts) assert.ok(text.includes(`:${portA}`) && !text.includes(`:${portB}`), `row ${text} is port ${portA}'s`);
  assert.match((await page.getByTestId('totals').textContent()) ?? '', new RegExp(`Showing ${texts.length} of`));
  await page.screenshot({ path: artifact('link-filtered-here.png') });

  const log: string[] = [];
  await startServer(t, {}, { port: first.port, token: 'link-token-after-restart-0002', requests: log });
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
