/**
 * What is at risk, in a real browser against the real server and kernel, at
 * 1440 and 800 px: two programs each hold a loopback pair whose client end
 * has keepalive idle 600 s — longer than a 350 s middlebox timeout, so it is
 * flagged — filter by that advisory, group by process, bulk-retune with a dry
 * run (before → after for exactly the flagged sockets), apply, and read the
 * settings back with each program's own getsockopt and with ss -o.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';

import type { Page } from 'playwright-core';

import { spawnSocketHolder } from '../helpers/processes.js';
import { ssTimer } from '../helpers/ss.js';
import { artifact, ensureWebBuild, openBrowser, requireChromium, startServer, until } from './harness.js';

interface Listed {
  connections: { id: string; local: { port: number }; holders: { pid: number }[] }[];
}

const showing = (page: Page, n: number) => page.getByTestId('totals').filter({ hasText: new RegExp(`Showing ${n} of`) }).waitFor({ timeout: 20_000 });

/** The holder's own getsockopt view of its client socket. */
async function ownView(holder: Awaited<ReturnType<typeof spawnSocketHolder>>): Promise<{ enabled: boolean; idleSec: number }> {
  holder.child.stdin?.write('get\n');
  for (;;) {
    const line = JSON.parse(await holder.nextLine()) as { event?: string; keepalive?: { enabled: boolean; idleSec: number } };
    if (line.event === 'keepalive' && line.keepalive) return line.keepalive;
  }
}

async function atRiskFlow(t: TestContext, width: number, newIdleSec: number): Promise<void> {
  requireChromium();
  ensureWebBuild();
  const server = await startServer(t);
  const holders = [await spawnSocketHolder(t), await spawnSocketHolder(t)];
  const ports = holders.map((h) => h.held.peerPort).join(',');
  // What the server itself flags among these 6 sockets (per holder: listener, accepted end, client end): the two client ends.
  let flagged: Listed['connections'] = [];
  await until('the server to flag both client ends', async () => {
    flagged = (await server.api<Listed>('GET', `/api/connections?port=${ports}&advisory=idle-exceeds-middlebox`)).body.connections;
    return flagged.length === 2;
    // Process attribution runs on its own slower clock: on a loaded host it took 16 s.
  }, 90_000);
  assert.deepEqual(flagged.map((c) => c.local.port).sort(), holders.map((h) => h.held.localPort).sort());

  const { page, problems } = await openBrowser(t);
  await page.setViewportSize({ width, height: 900 });
  await page.goto(server.loginUrl());
  await page.getByTestId('link-status').filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
  await page.getByLabel('Port', { exact: true }).fill(ports);
  await showing(page, 6);
  assert.equal(await page.locator('td.c-risk.at-risk').filter({ hasText: 'idle>NAT' }).count(), 2, 'the Risk column flags the two client ends');

  await page.getByLabel('Advisory').selectOption('idle-exceeds-middlebox');
  await showing(page, 2);
  for (const c of flagged) await page.locator(`tr[data-id="${c.id}"]`).waitFor();

  // Grouped by process: one group per holder with its three sockets, one at risk, keepalive off on the listener and the accepted end.
  await page.getByLabel('Advisory').selectOption('');
  await page.getByLabel('Group by').selectOption('process');
  for (const h of holders) {
    const group = page.locator('tbody.group', { has: page.getByRole('button', { name: new RegExp(`\\(${h.pid}\\)`) }) });
    await until(`the group of pid ${h.pid}`, async () => (await group.getByTestId('group-count').textContent()) === '3', 20_000);
    assert.equal(await group.getByTestId('group-at-risk').textContent(), '1');
    assert.equal(await group.getByTestId('group-ka-off').textContent(), '2');
  }
  await page.getByTestId('groups-note').filter({ hasText: /as of \d\d:\d\d:\d\d/ }).waitFor();
  await page.getByLabel('Group by').selectOption('none');

  // Bulk retune of what the advisory filter matches: a dry run first, of exactly those sockets.
  await page.getByLabel('Advisory').selectOption('any');
  await showing(page, 2);
  await page.getByRole('button', { name: 'Retune 2 matching…' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Idle (s)').fill(String(newIdleSec));
  assert.equal(await dialog.getByRole('button', { name: /^Apply to/ }).isDisabled(), true, 'no apply before a dry run');
  await dialog.getByRole('button', { name: 'Dry run' }).click();
  const items = dialog.locator('.bulk-list tbody tr');
  await items.first().waitFor({ timeout: 15_000 });
  assert.deepEqual((await items.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')))).sort(), flagged.map((c) => c.id).sort());
  for (const text of await items.allTextContents()) assert.match(text, new RegExp(`on · 600 s / 30 s / 4→ on · ${newIdleSec} s / 30 s / 4would apply`));
  await page.screenshot({ path: artifact(`at-risk-dry-run-${width}.png`) });
  const apply = dialog.getByRole('button', { name: 'Apply to 2' });
  const box = await apply.boundingBox();
  assert.ok(box && box.x >= 0 && box.x + box.width <= width, `Apply is on screen at ${width} px`);
  await apply.click();
  await dialog.getByTestId('bulk-summary').filter({ hasText: '2 applied' }).waitFor({ timeout: 15_000 });

  // The kernel agrees: each program's own getsockopt, and ss's keepalive timer re-armed within the new idle.
  for (const h of holders) {
    assert.deepEqual(await ownView(h), { ...h.held.keepalive, idleSec: newIdleSec });
    const timer = ssTimer({ address: '127.0.0.1', port: h.held.localPort }, { address: '127.0.0.1', port: h.held.peerPort });
    assert.equal(timer.kind, 'keepalive', timer.line);
    assert.ok(timer.ms <= newIdleSec * 1000 + timer.resolutionMs, timer.line);
  }
  await dialog.getByRole('button', { name: 'Done' }).click();
  await showing(page, 0);
  assert.deepEqual(problems, []);
}

test('at risk at 1440 px: advisory column and filter, group by process, bulk dry run then apply; the kernel agrees', { timeout: 240_000 }, (t) => atRiskFlow(t, 1440, 120));

test('at risk at 800 px: the same flow, every control reachable', { timeout: 240_000 }, (t) => atRiskFlow(t, 800, 90));
