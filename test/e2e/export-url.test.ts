/**
 * A shared URL opens the same view, and Export CSV downloads exactly the rows
 * that view shows: a windowed table holds only a slice, so the export fetches
 * the whole filtered list and sorts it as the server's window does.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { ensureWebBuild, openBrowser, requireChromium, startServer, until } from './harness.js';

interface LabEntry {
  id: string;
  local: { address: string; port: number };
}

test('a URL with ?sort=…&port=… opens sorted and filtered so; Export CSV holds the same rows in the same order', { timeout: 180_000 }, async (t) => {
  requireChromium();
  ensureWebBuild();
  const server = await startServer(t);
  const listener = await server.api<LabEntry>('POST', '/api/lab/listeners', { port: 0 });
  assert.equal(listener.status, 201, JSON.stringify(listener.body));
  const port = listener.body.local.port;
  for (let i = 0; i < 3; i++) {
    const conn = await server.api<LabEntry>('POST', '/api/lab/connections', { host: '127.0.0.1', port });
    assert.equal(conn.status, 201, JSON.stringify(conn.body));
  }

  const { page, problems } = await openBrowser(t);
  await page.goto(server.loginUrl());
  await page.getByTestId('link-status').filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
  await page.goto(`${server.base}/?port=${port}&sort=peer&dir=desc`);
  await page.getByTestId('link-status').filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });

  assert.equal(await page.getByLabel('Port', { exact: true }).inputValue(), String(port));
  assert.equal(await page.getByRole('columnheader', { name: /^Peer/ }).getAttribute('aria-sort'), 'descending');
  // The listener, three client sides and three accepted sides.
  const rows = page.locator('tbody tr[data-id]');
  await until('the 7 rows of this lab', async () => (await rows.count()) === 7, 20_000);
  const tableIds = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')));
  const peers = await rows.evaluateAll((trs) => trs.map((tr) => tr.children[3]?.textContent ?? ''));
  const peerPorts = peers.filter((p) => p.startsWith('127.0.0.1:')).map((p) => Number(p.split(':')[1]));
  assert.deepEqual(peerPorts, [...peerPorts].sort((a, b) => b - a), `peers descending: ${peers.join(' ')}`);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  assert.match(download.suggestedFilename(), /^keepalive-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.csv$/);
  const lines = readFileSync((await download.path())!, 'utf8').trimEnd().split('\r\n');
  assert.equal(lines[0]?.split(',')[0], 'id');
  assert.deepEqual(lines.slice(1).map((line) => line.split(',')[0]), tableIds, 'the export rows are the table rows, in its order');

  // Changing the sort rewrites the address bar in place (replaceState: no new history entry).
  const historyLength = await page.evaluate<number>('history.length');
  await page.getByRole('columnheader', { name: /^Local/ }).getByRole('button').click();
  await until('the URL to follow the sort', async () => new URL(page.url()).searchParams.get('sort') === 'local');
  assert.equal(new URL(page.url()).searchParams.get('port'), String(port));
  assert.equal(await page.evaluate<number>('history.length'), historyLength);
  assert.deepEqual(problems, []);
});
