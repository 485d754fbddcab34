/**
 * A lab connection whose peer is black-holed dies by keepalive in real Chromium
 * against the real server and kernel: the detail keeps it as a post-mortem (the
 * cause, the probes, no live controls), the event log shows the death at the
 * top, filters by that connection, and pages older events from the server.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';

import type { Page } from 'playwright-core';

import { artifact, ensureWebBuild, openBrowser, requireChromium, startServer, until, type RunningServer } from './harness.js';

interface LabEntry {
  id: string;
  connectionId?: string;
  local: { port: number };
}

/** A lab connection with keepalive idle 1 s, interval 1 s, count 2, selected in the browser at `width`. */
async function selectedLabConnection(t: TestContext, width: number): Promise<{ server: RunningServer; page: Page; problems: string[]; id: string }> {
  requireChromium();
  ensureWebBuild();
  const server = await startServer(t, { intervalMs: 200 });
  const listener = await server.api<LabEntry>('POST', '/api/lab/listeners', { port: 0 });
  const conn = await server.api<LabEntry>('POST', '/api/lab/connections', { host: '127.0.0.1', port: listener.body.local.port });
  const id = conn.body.connectionId;
  assert.ok(id, JSON.stringify(conn.body));
  for (const patch of [{ enabled: true }, { idleSec: 1, intervalSec: 1, count: 2 }]) {
    assert.equal((await server.api('PATCH', `/api/connections/${id}/keepalive`, patch)).status, 200);
  }
  const { page, problems } = await openBrowser(t);
  await page.setViewportSize({ width, height: 900 });
  await page.goto(server.loginUrl());
  await page.getByTestId('link-status').filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
  await page.getByLabel('Port', { exact: true }).fill(String(conn.body.local.port));
  await page.locator(`tr[data-id="${id}"]`).click({ timeout: 20_000 });
  return { server, page, problems, id };
}

/** Black-holes the peer from the detail and waits for the post-mortem; returns the detail. */
async function blackholeUntilDead(page: Page) {
  const detail = page.getByTestId('detail');
  await detail.getByRole('button', { name: 'Black-hole the peer' }).click({ timeout: 20_000 });
  // A sweep may see the socket vanish a moment before its owner reads ETIMEDOUT: wait for the cause itself.
  await detail.getByTestId('post-mortem-cause').filter({ hasText: /unanswered keepalive probes? \(ETIMEDOUT\)/ }).waitFor({ timeout: 60_000 });
  return detail;
}

/** Loopback pairs opened a few at a time (a sweep that sees over 20 new sockets folds them into one event) until the server holds `count` events. */
async function manyEvents(t: TestContext, server: RunningServer, count: number): Promise<void> {
  const sockets: Socket[] = [];
  const listener: Server = createServer((socket) => sockets.push(socket));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    listener.close();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as { port: number }).port;
  const held = async (): Promise<number> => (await server.api<{ events: unknown[] }>('GET', '/api/events?include=observed&limit=1000')).body.events.length;
  await until(`${count} events on the server`, async () => {
    if ((await held()) >= count) return true;
    for (let i = 0; i < 3; i++) {
      const socket = connect(port, '127.0.0.1');
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    return false;
  }, 120_000);
}

test('1440: a black-holed lab connection dies; the detail explains it, events show it first, filter by it, load older', { timeout: 300_000 }, async (t) => {
  const { server, page, problems, id } = await selectedLabConnection(t, 1440);
  await manyEvents(t, server, 130);
  const detail = await blackholeUntilDead(page);
  await detail.getByText('This connection has ended').waitFor();
  assert.match((await detail.getByTestId('post-mortem-probes').textContent()) ?? '', /^[1-9]\d* unanswered \(of 2 allowed\)/);
  assert.match((await detail.getByTestId('post-mortem-prediction').textContent()) ?? '', /than predicted|within 0\.1 s of the prediction/);
  for (const gone of ['Restore the peer', 'Black-hole the peer', 'Apply', 'Kill connection…']) assert.equal(await detail.getByRole('button', { name: gone }).count(), 0, gone);
  assert.equal(await page.locator(`tr[data-id="${id}"]`).count(), 0, 'the row left the table');
  await page.screenshot({ path: artifact('post-mortem-1440.png') });

  // The death at the top of the died events, newest first.
  await page.getByRole('tab', { name: /^Events/ }).click();
  const rows = page.locator('table.event-list tbody tr');
  await page.getByLabel('Event type').selectOption('died');
  await until('the death listed first', async () => (await rows.first().getAttribute('data-connection')) === id, 20_000);

  // Only this connection's events: its two retunes, the death (and its appeared / closed).
  await page.getByLabel('Event type').selectOption('');
  await detail.getByTestId('events-of-connection').click();
  await until('only this connection', async () => {
    const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-connection')));
    return ids.length >= 3 && ids.every((c) => c === id);
  }, 20_000);
  const types = await rows.evaluateAll((trs) => trs.map((tr) => tr.className));
  assert.ok(types.includes('event-died') && types.filter((c) => c === 'event-retuned').length === 2, types.join(' '));

  // Unfiltered: a page of 100, then "Load older" brings the next from the server's cursor.
  await page.getByLabel('Connection', { exact: true }).fill('');
  await until('the newest page', async () => (await rows.count()) === 100, 20_000);
  await page.getByRole('button', { name: 'Load older' }).click();
  await until('older events appended', async () => (await rows.count()) > 100, 20_000);
  assert.deepEqual(problems, []);
});

test('800: the drawer shows the post-mortem inside the viewport', { timeout: 300_000 }, async (t) => {
  const { page, problems } = await selectedLabConnection(t, 800);
  const detail = await blackholeUntilDead(page);
  await detail.getByText('This connection has ended').waitFor();
  const drawer = await detail.boundingBox();
  assert.ok(drawer && drawer.x >= 0 && drawer.x + drawer.width <= 800 && drawer.width >= 300, `drawer ${JSON.stringify(drawer)} inside 800 px`);
  assert.ok(await detail.getByTestId('post-mortem-cause').isVisible());
  assert.equal(await detail.getByRole('button', { name: 'Restore the peer' }).count(), 0);
  await page.screenshot({ path: artifact('post-mortem-800.png') });
  assert.deepEqual(problems, []);
});
