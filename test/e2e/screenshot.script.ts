/**
 * Makes docs/screenshot-1440.png and docs/screenshot-800.png: the dashboard
 * with a few lab connections, one retuned to "Fast fail" with its peer
 * black-holed so its probes go unanswered and it is declared dead — at
 * 1440×900 with the detail beside the table, and at 800×900 with the detail
 * as a drawer over it. And docs/middlebox.png: the middlebox lab (8 s, drop)
 * with a flow keepalive keeps alive beside one the middlebox forgot, the
 * kept one's two countdowns in the detail. Not part of `npm test` (it rewrites committed files):
 * run `npm run screenshot`. The screenshots of every test run go to
 * test-artifacts/.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
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

test('docs/middlebox.png: which layer timed out, keepalive idle below and above an 8 s middlebox', { timeout: 180_000 }, async (t) => {
  requireChromium();
  ensureWebBuild();
  const server = await startServer(t, { namespaces: 'all', intervalMs: 1000 });
  const instance = server.fastify.ka.middlebox.instance;
  t.after(() => {
    for (const name of readdirSync('/run/netns').filter((n) => n.startsWith(`ka-mb-${instance}-`))) spawnSync('ip', ['netns', 'delete', name]);
  });
  const put = await server.api('PUT', '/api/lab/middlebox', { enabled: true, preset: 'custom', timeoutSec: 8, mode: 'drop' });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  for (const idleSec of [3, 15]) {
    const opened = await server.api('POST', '/api/lab/middlebox/connections', { keepalive: { idleSec, intervalSec: idleSec === 3 ? 3 : 1, count: 3 }, userTimeoutMs: 30_000 });
    assert.equal(opened.status, 201, JSON.stringify(opened.body));
  }

  const { page, problems } = await openBrowser(t);
  await page.goto(server.loginUrl());
  await page.getByTestId('link-status').filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
  await page.getByRole('tab', { name: 'Lab' }).click();
  // Room for the lab's panel: the split bar up by half the page.
  const bar = page.getByRole('separator', { name: 'Resize the table and the panels' });
  for (let i = 0; i < 5; i++) await bar.press('PageUp');
  const kept = page.locator('tr[data-mb-id="mb-1"]');
  const lost = page.locator('tr[data-mb-id="mb-2"]');
  await lost.getByTestId('middlebox-conntrack-countdown').filter({ hasText: /^forgotten at/ }).waitFor({ timeout: 30_000 });
  await page.waitForTimeout(3000);
  await kept.getByRole('button', { name: 'Send a message' }).click();
  await lost.getByRole('button', { name: 'Send a message' }).click();
  await kept.getByTestId('middlebox-row-verdict').filter({ hasText: /^arrived/ }).waitFor({ timeout: 15_000 });
  await lost.getByTestId('middlebox-row-verdict').filter({ hasText: /^lost/ }).waitFor({ timeout: 15_000 });
  const detail = page.getByTestId('middlebox-detail');
  await until('mb-1 in the detail', async () => {
    await kept.getByRole('button', { name: 'Show' }).click();
    return (await detail.filter({ hasText: 'Middlebox lab mb-1' }).count()) === 1;
  }, 40_000);
  await page.getByRole('table', { name: 'Middlebox connections' }).scrollIntoViewIfNeeded();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: artifact('middlebox.png') });
  mkdirSync(join(ROOT, 'docs'), { recursive: true });
  copyFileSync(artifact('middlebox.png'), join(ROOT, 'docs', 'middlebox.png'));
  assert.deepEqual(problems, []);
});
