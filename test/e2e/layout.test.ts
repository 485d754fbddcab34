/**
 * The layout at 1440×900 and 800×900, and honest state when the server goes
 * away and comes back with a new token, in real Chromium against the real
 * server, with real loopback connections opened by the test.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';

import type { Page } from 'playwright-core';


import { artifact, ensureWebBuild, openBrowser, requireChromium, startServer, until } from './harness.js';
import { heldPairs } from '../helpers/many-pairs.js';

const ROW_HEIGHT_PX = 28;

/** Logged in, live, the table narrowed to the pairs' port; returns the page. */
async function liveOn(t: TestContext, width: number, pairs = 30): Promise<{ page: Page; problems: string[] }> {
  requireChromium();
  ensureWebBuild();
  const port = await heldPairs(t, pairs);
  const server = await startServer(t);
  const browser = await openBrowser(t);
  await browser.page.setViewportSize({ width, height: 900 });
  await browser.page.goto(server.loginUrl());
  await browser.page.getByTestId('link-status').filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
  await browser.page.getByLabel('Port', { exact: true }).fill(String(port));
  await until('the pairs to show', async () => (await browser.page.locator('table.connections tbody tr.row').count()) >= 20, 20_000);
  return browser;
}

async function box(page: Page, selector: string): Promise<{ x: number; y: number; width: number; height: number }> {
  const found = await page.locator(selector).first().boundingBox();
  assert.ok(found, `${selector} is laid out`);
  return found;
}

test('1440×900: the table is at least 20 rows tall and no empty hint takes width', { timeout: 180_000 }, async (t) => {
  const { page, problems } = await liveOn(t, 1440);
  await page.screenshot({ path: artifact('layout-1440.png') });
  const scroll = await box(page, '[data-testid="table-scroll"]');
  assert.ok(scroll.height >= 32 + 20 * ROW_HEIGHT_PX, `table box ${scroll.height} px holds 20 rows`);
  assert.ok(scroll.width >= 1440 - 60, `table ${scroll.width} px wide: nothing beside it`);
  const hint = await box(page, '.detail-empty');
  assert.ok(hint.height <= 30, `the nothing-selected hint is one line (${hint.height} px)`);
  assert.deepEqual(problems, []);
});

test('800×900: a row opens the detail as a drawer inside the viewport; Esc closes it', { timeout: 180_000 }, async (t) => {
  const { page, problems } = await liveOn(t, 800);
  await page.locator('table.connections tbody tr.row').nth(2).click();
  const detail = page.getByTestId('detail');
  await detail.waitFor();
  const drawer = await box(page, '[data-testid="detail"]');
  assert.ok(drawer.x >= 0 && drawer.y >= 0 && drawer.x + drawer.width <= 800 && drawer.y + drawer.height <= 900, `drawer ${JSON.stringify(drawer)} inside 800×900`);
  assert.ok(drawer.width >= 300, 'the drawer is wide enough to read');
  await page.screenshot({ path: artifact('layout-800-drawer.png') });
  await page.keyboard.press('Escape');
  await detail.waitFor({ state: 'detached' });
  // Enter on a focused row opens it again; × closes it.
  await page.locator('table.connections tbody tr.row').first().focus();
  await page.keyboard.press('Enter');
  await detail.getByRole('button', { name: 'Close detail (Esc)' }).click();
  await detail.waitFor({ state: 'detached' });
  assert.deepEqual(problems, []);
});

test('800×900: every column header scrolls into view inside the table; the page never scrolls sideways', { timeout: 180_000 }, async (t) => {
  const { page } = await liveOn(t, 800, 22);
  const headers = page.locator('table.connections thead th');
  const count = await headers.count();
  assert.ok(count >= 15, `${count} columns`);
  for (let i = 0; i < count; i++) {
    const header = headers.nth(i);
    await header.scrollIntoViewIfNeeded();
    const b = await header.boundingBox();
    assert.ok(b && b.x >= 0 && b.x + b.width <= 801, `column ${i} (${await header.textContent()}) is in view: ${JSON.stringify(b)}`);
    assert.ok(b.height <= 34, `header ${i} is one line (${b.height} px)`);
  }
  // Scrolled to the last column, the first (State) stays put: sticky.
  const first = await box(page, 'table.connections thead th:first-child');
  assert.ok(first.x >= 0 && first.x < 40, `State header still at the left edge: ${first.x}`);
  assert.equal(await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth'), true, 'nothing sticks out of the page');
});

test('collapsing the panels gives the table their height, and it stays collapsed after a reload', { timeout: 180_000 }, async (t) => {
  const { page } = await liveOn(t, 1440);
  const before = (await box(page, '[data-testid="table-scroll"]')).height;
  const toggle = page.getByTestId('collapse-panels-body');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  const after = (await box(page, '[data-testid="table-scroll"]')).height;
  assert.ok(after > before + 40, `table ${before} → ${after} px`);
  await page.reload();
  await page.getByTestId('link-status').filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
  assert.equal(await page.getByTestId('collapse-panels-body').getAttribute('aria-expanded'), 'false');
  await page.getByRole('tab', { name: 'Lab' }).click();
  assert.equal(await page.getByTestId('collapse-panels-body').getAttribute('aria-expanded'), 'true', 'asking for a tab shows it');
});

test('the split moves with the keyboard and with the pointer, and is kept', { timeout: 180_000 }, async (t) => {
  const { page } = await liveOn(t, 1440);
  const splitter = page.getByRole('separator', { name: 'Resize the table and the panels' });
  const value = async (): Promise<number> => Number(await splitter.getAttribute('aria-valuenow'));
  const start = await value();
  const before = (await box(page, '[data-testid="table-scroll"]')).height;
  await splitter.focus();
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowUp');
  assert.equal(await value(), start - 10);
  const after = (await box(page, '[data-testid="table-scroll"]')).height;
  assert.ok(after < before - 40, `table ${before} → ${after} px`);
  const bar = await box(page, '[data-testid="splitter"]');
  await page.mouse.move(bar.x + bar.width / 2, bar.y + bar.height / 2);
  await page.mouse.down();
  await page.mouse.move(bar.x + bar.width / 2, bar.y + 120, { steps: 5 });
  await page.mouse.up();
  const dragged = await value();
  assert.ok(dragged > start - 10, `dragging down grew the table's share: ${start - 10} → ${dragged}`);
  await page.reload();
  await page.getByTestId('link-status').filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
  assert.equal(await value(), dragged, 'the split survives a reload');
});

async function tbodyOpacity(page: Page): Promise<number> {
  return page.evaluate<number>(`Number(getComputedStyle(document.querySelector('table.connections tbody')).opacity)`);
}

test('server stopped: banner and dimmed rows; restarted with a new token: "session ended", and a pasted login link gets back in', { timeout: 240_000 }, async (t) => {
  requireChromium();
  ensureWebBuild();
  const pairsPort = await heldPairs(t, 5);
  const first = await startServer(t, {}, { token: 'layout-token-before-restart-0001' });
  const base = first.base;
  const { page } = await openBrowser(t);
  await page.goto(first.loginUrl());
  await page.getByTestId('link-status').filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
  await page.getByLabel('Port', { exact: true }).fill(String(pairsPort));
  await until('the pairs to show', async () => (await page.locator('table.connections tbody tr.row').count()) >= 5, 20_000);
  assert.equal(await tbodyOpacity(page), 1);

  await first.stop();
  await page.getByTestId('stale-banner').waitFor({ timeout: 30_000 });
  assert.ok((await tbodyOpacity(page)) < 0.7, 'rows dimmed while disconnected');

  const second = await startServer(t, {}, { port: first.port, token: 'layout-token-after-restart-0002' });
  const ended = page.getByTestId('session-ended');
  await ended.getByRole('heading', { name: 'Your session ended' }).waitFor({ timeout: 45_000 });
  assert.ok((await tbodyOpacity(page)) < 0.7, 'rows still dimmed: the old values are not live');
  await page.screenshot({ path: artifact('layout-session-ended.png') });

  const minted = await fetch(`${base}/api/login-codes`, { method: 'POST', headers: { authorization: 'Bearer layout-token-after-restart-0002' } });
  assert.equal(minted.status, 201);
  const { path } = (await minted.json()) as { path: string };
  await ended.getByLabel('Login link or code').fill(`${base}${path}`);
  await ended.getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('link-status').filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
  await until('live rows', async () => (await page.locator('table.connections tbody tr.row').count()) > 0, 20_000);
  assert.equal(await ended.count(), 0, 'the session-ended view is gone');
  assert.equal(await tbodyOpacity(page), 1);
  assert.ok(second.fastify.server.listening);
});
