/**
 * The middlebox lab from the page, against the real kernel: build a router
 * with a custom 8 s conntrack timeout (drop mode) from the Lab panel, open a
 * connection through it with keepalive idle 3 s, watch both countdowns in its
 * detail (and in the 800 px drawer), send a message after 12 s of silence:
 * it arrives, and the probes that kept it alive are in its timeline,
 * answered. A second with idle 15 s: the router forgets it first, the
 * message is lost and the detail says the middlebox did it. Toggle off: the
 * lab's namespaces are gone.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { test } from 'node:test';

import type { Locator, Page } from 'playwright-core';

import { artifact, ensureWebBuild, openBrowser, requireChromium, startServer, until } from './harness.js';

const labNamespaces = (instance: string): string[] =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(`ka-mb-${instance}-`));

/** Opens a connection through the middlebox from the panel; resolves with its row in the lab's list. */
async function openThrough(page: Page, id: string, keepalive: { idle: number; interval: number }): Promise<Locator> {
  const form = page.getByRole('form', { name: 'Open a connection through the middlebox' });
  await form.getByLabel('Idle (s)').fill(String(keepalive.idle));
  await form.getByLabel('Interval (s)').fill(String(keepalive.interval));
  await form.getByRole('button', { name: 'Open connection' }).click();
  const row = page.locator(`tr[data-mb-id="${id}"]`);
  await row.waitFor({ timeout: 30_000 });
  return row;
}

/** Shows the lab connection's client end in the detail: the server lists a new namespace's sockets within seconds. */
async function show(page: Page, row: Locator, id: string): Promise<Locator> {
  const detail = page.getByTestId('middlebox-detail');
  await until(`${id}'s client end in the detail`, async () => {
    await row.getByRole('button', { name: 'Show' }).click();
    return (await detail.filter({ hasText: `Middlebox lab ${id}` }).count()) === 1;
  }, 40_000);
  return detail;
}

test('the middlebox lab from the page: both countdowns, a message kept alive by keepalive, one lost to the middlebox', { timeout: 300_000 }, async (t) => {
  requireChromium();
  ensureWebBuild();
  const server = await startServer(t, { namespaces: 'all', intervalMs: 1000 });
  const instance = server.fastify.ka.middlebox.instance;
  t.after(() => {
    for (const name of labNamespaces(instance)) spawnSync('ip', ['netns', 'delete', name]);
  });
  const { page, problems } = await openBrowser(t);
  await page.goto(server.loginUrl());
  await page.getByTestId('link-status').filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
  await page.getByRole('tab', { name: 'Lab' }).click();

  const settings = page.getByRole('form', { name: 'Middlebox settings' });
  await settings.getByLabel('Preset').selectOption('custom');
  await settings.getByLabel('Timeout (s)').fill('8');
  await settings.getByLabel('Mode').selectOption('drop');
  await settings.getByLabel('Middlebox on').click();
  await page.getByTestId('middlebox-settings').filter({ hasText: 'after 8 s' }).waitFor({ timeout: 60_000 });
  assert.equal(labNamespaces(instance).length, 3);

  // Idle 3 s < 8 s: each probe refreshes the router's entry.
  const kept = await openThrough(page, 'mb-1', { idle: 3, interval: 3 });
  let detail = await show(page, kept, 'mb-1');
  await detail.getByTestId('middlebox-keepalive-countdown').filter({ hasText: /^\d+\.\d s$/ }).waitFor();
  await detail.getByTestId('middlebox-conntrack-countdown').filter({ hasText: /^\d s of 8 s left$/ }).waitFor();
  await page.setViewportSize({ width: 800, height: 900 });
  for (const id of ['middlebox-keepalive-countdown', 'middlebox-conntrack-countdown']) assert.equal(await page.getByTestId('middlebox-detail').getByTestId(id).isVisible(), true, `${id} in the 800 px drawer`);
  await page.screenshot({ path: artifact('middlebox-800.png') });
  await page.setViewportSize({ width: 1440, height: 900 });

  await page.waitForTimeout(12_000);
  await detail.getByRole('button', { name: 'Send a message' }).click();
  await detail.getByTestId('middlebox-verdict').filter({ hasText: /^arrived after 1\d s of silence$/ }).waitFor({ timeout: 15_000 });
  // The probes that kept it alive, seen on the wire under the countdowns: the server end ACKed them.
  await detail.getByTestId('probe-list').locator('li').filter({ hasText: /sent: answered after [\d.]+ ms$/ }).first().waitFor({ timeout: 30_000 });

  // Idle 15 s > 8 s: the router forgets the flow first; the message is lost, then the client dies of it.
  const lost = await openThrough(page, 'mb-2', { idle: 15, interval: 1 });
  detail = await show(page, lost, 'mb-2');
  await detail.getByTestId('middlebox-conntrack-countdown').filter({ hasText: /^forgotten at \d\d:\d\d:\d\d$/ }).waitFor({ timeout: 30_000 });
  await detail.getByRole('button', { name: 'Send a message' }).click();
  await detail.getByTestId('middlebox-verdict').filter({ hasText: /^lost: the middlebox forgot this flow at \d\d:\d\d:\d\d/ }).waitFor({ timeout: 15_000 });
  await detail.getByTestId('middlebox-layer').filter({ hasText: /forgotten by the middlebox at .*before the first keepalive probe/ }).waitFor({ timeout: 40_000 });
  await page.screenshot({ path: artifact('middlebox-1440.png') });

  await settings.getByLabel('Middlebox on').click();
  await until('the lab removed', async () => labNamespaces(instance).length === 0 && !(await settings.getByLabel('Middlebox on').isChecked()), 30_000);
  assert.deepEqual(problems, []);
});
