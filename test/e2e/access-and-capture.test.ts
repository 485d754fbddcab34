/**
 * The page without its token, and a saved capture browsed read-only, in a
 * real browser against the real server.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { parseNetstat } from '@keepalive-dashboard/server/sources/netstat';
import { parseProcNetTcp } from '@keepalive-dashboard/server/sources/proc';
import { parseSs } from '@keepalive-dashboard/server/sources/ss';

import { artifact, ensureWebBuild, openBrowser, requireChromium, ROOT, startServer } from './harness.js';

test('opened without its token, the page says how to get in', { timeout: 120_000 }, async (t) => {
  requireChromium();
  ensureWebBuild();
  const server = await startServer(t);
  const { page, problems } = await openBrowser(t);
  await page.goto(`${server.base}/`);
  await page.getByTestId('link-status').filter({ hasText: 'Not authorized' }).waitFor({ timeout: 15_000 });
  await page.getByText('This page was opened without logging in').waitFor();
  await page.screenshot({ path: artifact('e2e-unauthorized.png') });
  // The refused requests are the only errors.
  assert.deepEqual(
    problems.filter((p) => !/401|Unauthorized|WebSocket connection/i.test(p)),
    [],
  );
});

test('a saved ss capture opens read-only in the same table', { timeout: 120_000 }, async (t) => {
  requireChromium();
  ensureWebBuild();
  const server = await startServer(t);
  const { page, problems } = await openBrowser(t);

  // Until the server has POST /api/parse, answer it here with the server's own parsers.
  const probe = await server.api('POST', '/api/parse', { format: 'ss', text: '' });
  if (probe.status === 404) {
    await page.route('**/api/parse', async (route) => {
      const body = JSON.parse(route.request().postData() ?? '{}') as { format: string; text: string; userHz?: number };
      const result =
        body.format === 'ss' ? parseSs(body.text) : body.format === 'netstat' ? parseNetstat(body.text) : parseProcNetTcp(body.text, 'mixed', body.userHz ?? 100);
      await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(result) });
    });
  }

  await page.goto(server.loginUrl());
  await page.getByTestId('link-status').filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
  await page.getByRole('tab', { name: 'Capture' }).click();
  const file = join(ROOT, 'test/fixtures/ss/probing-client-tanoie.txt');
  await page.getByLabel('Capture file').setInputFiles(file);
  const banner = page.getByTestId('capture-banner');
  await banner.waitFor({ timeout: 10_000 });
  const expected = new Set(parseSs(readFileSync(file, 'utf8')).connections.map((c) => c.id)).size;
  assert.match((await banner.textContent()) ?? '', new RegExp(`probing-client-tanoie\\.txt · ss · ${expected} connections`));
  assert.ok((await page.locator('table.connections tbody tr.row').count()) > 0);
  assert.match((await page.getByTestId('link-status').textContent()) ?? '', /read-only, not live/, 'a capture never reads as Live');

  // A row opens read-only.
  await page.locator('table.connections tbody tr.row').first().click();
  const detail = page.getByRole('complementary', { name: 'Connection detail' });
  await detail.getByTestId('ownership').filter({ hasText: 'capture' }).waitFor();
  assert.equal(await detail.getByLabel('Idle (s)').isDisabled(), true);
  await page.screenshot({ path: artifact('e2e-capture.png') });

  await banner.getByRole('button', { name: 'Back to live' }).click();
  await banner.waitFor({ state: 'detached' });
  assert.deepEqual(problems, []);
});
