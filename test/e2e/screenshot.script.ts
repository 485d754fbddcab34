/**
 * Makes docs/screenshot-1440.png and docs/screenshot-800.png: the dashboard
 * with a few lab connections, one retuned to "Fast fail" with its peer
 * black-holed so its probes go unanswered and it is declared dead — at
 * 1440×900 with the detail beside the table, and at 800×900 with the detail
 * as a drawer over it. Not part of `npm test` (it rewrites committed files):
 * run `npm run screenshot`. The screenshots of every test run go to
 * test-artifacts/.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { artifact, ensureWebBuild, openBrowser, requireChromium, ROOT, startServer, until } from './harness.js';

interface LabEntry {
  id: string;
  local: { address: string; port: number };
  connectionId: string | null;
}

test('docs/screenshot-1440.png and -800.png: a connection probing a black-holed peer', { timeout: 180_000 }, async (t) => {
  requireChromium();
  ensureWebBuild();
  const server = await startServer(t, { intervalMs: 1000 });
  const listener = await server.api<LabEntry>('POST', '/api/lab/listeners', { port: 0 });
  const port = listener.body.local.port;
  const open = async (): Promise<LabEntry> => (await server.api<LabEntry>('POST', '/api/lab/connections', { host: '127.0.0.1', port })).body;
  const quiet = await open();
  const natFriendly = await open();
  const victim = await open();
  assert.ok(quiet.connectionId && natFriendly.connectionId && victim.connectionId);
  const nat = await server.api('PATCH', `/api/connections/${natFriendly.connectionId}/keepalive`, { enabled: true, idleSec: 60, intervalSec: 10, count: 6 });
  assert.equal(nat.status, 200, JSON.stringify(nat.body));

  const { page, problems } = await openBrowser(t);
  await page.goto(server.loginUrl());
  await page.getByTestId('link-status').filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
  await page.getByLabel('Port', { exact: true }).fill(String(port));
  const row = page.locator(`tr[data-id="${victim.connectionId}"]`);
  await row.click();
  const detail = page.getByRole('complementary', { name: 'Connection detail' });
  await detail.getByRole('button', { name: /^Fast fail/ }).click();
  await detail.getByRole('button', { name: 'Apply', exact: true }).click();
  await detail.getByTestId('before-after').waitFor();
  // Let one probe be answered (the timer re-arms), then pull the cable.
  await page.waitForTimeout(3000);
  const hole = await server.api('POST', `/api/lab/connections/${victim.id}/blackhole`, { on: true });
  assert.equal(hole.status, 200, JSON.stringify(hole.body));

  await until('the probes to go unanswered', async () => /^[12] \/ 3$/.test((await row.locator('td').nth(11).textContent()) ?? ''), 40_000);
  await page.waitForTimeout(1500);
  const keep = async (name: string): Promise<void> => {
    // The detail from its heading, not where the retune click left it scrolled.
    await page.evaluate(`document.querySelector('[data-testid="detail"]').scrollTop = 0`);
    await page.screenshot({ path: artifact(name) });
    mkdirSync(join(ROOT, 'docs'), { recursive: true });
    copyFileSync(artifact(name), join(ROOT, 'docs', name));
  };
  await keep('screenshot-1440.png');
  // Narrow: the same selection, now a drawer over the table.
  await page.setViewportSize({ width: 800, height: 900 });
  await page.waitForTimeout(800);
  await keep('screenshot-800.png');
  await page.keyboard.press('Escape');
  await page.setViewportSize({ width: 1440, height: 900 });

  await page.getByRole('tab', { name: 'Lab' }).click();
  await page.getByRole('table', { name: 'Lab sockets' }).getByText('peer black-holed').waitFor();
  await page.screenshot({ path: artifact('screenshot-lab.png') });

  // And it dies: the event log says so.
  await page.getByRole('tab', { name: /^Events/ }).click();
  await page.getByRole('table', { name: 'Events' }).getByText(/died by keepalive timeout/).first().waitFor({ timeout: 40_000 });
  await page.screenshot({ path: artifact('screenshot-died.png') });
  assert.deepEqual(problems, []);
  // Closing the server removes the black hole with the lab.
});
