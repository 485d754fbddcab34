/**
 * The flows an SRE runs most, each at 1440×900 and at 800×900 (where the
 * detail is a drawer), in real Chromium against the real server and kernel:
 * retune a listener another program holds and see a connection it accepts
 * afterwards inherit the setting; narrow the table with a port range, a CIDR
 * and an ss expression (and read an inline error and an honest empty state);
 * read a bidi-override process name escaped, its pid whole.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test, type TestContext } from 'node:test';

import type { Locator, Page } from 'playwright-core';

import { holdSocketAs } from '../helpers/named-holder.js';
import { HELPERS, spawnChild } from '../helpers/processes.js';
import { ssTimer } from '../helpers/ss.js';
import { artifact, ensureWebBuild, openBrowser, requireChromium, startServer, until, type Browser, type RunningServer } from './harness.js';

const WIDTHS = [1440, 800] as const;
const ROWS = 'table.connections tbody tr.row';

/** Logged in and live at `width`×900. */
async function liveAt(t: TestContext, server: RunningServer, width: number): Promise<Browser> {
  const browser = await openBrowser(t);
  await browser.page.setViewportSize({ width, height: 900 });
  await browser.page.goto(server.loginUrl());
  const status = browser.page.getByTestId('link-status');
  await status.filter({ hasText: 'Live' }).waitFor({ timeout: 60_000 }).catch(async (error: Error) => {
    await browser.page.screenshot({ path: artifact(`flows-not-live-${width}.png`) });
    const said = await status.textContent({ timeout: 1000 }).catch(() => 'no status');
    throw new Error(`${error.message}; at ${browser.page.url()} the status says ${JSON.stringify(said)}; problems: ${JSON.stringify(browser.problems)}`);
  });
  return browser;
}

/** The text of `row`'s cell under the header labelled `label`. */
async function cellUnder(page: Page, row: Locator, label: string): Promise<string> {
  const headers = await page.locator('table.connections thead th').allTextContents();
  const index = headers.findIndex((h) => h.replace(/[▲▼]/g, '').trim() === label);
  assert.ok(index >= 0, `a ${label} column among ${JSON.stringify(headers)}`);
  return (await row.locator('td').nth(index).textContent()) ?? '';
}

/** Each shown row's local endpoint (its cell's title is the whole text, never cut), sorted. */
async function shownLocals(page: Page): Promise<string[]> {
  const locals = await page.locator(ROWS).evaluateAll((rows) => rows.map((r) => r.querySelector('td.c-endpoint')?.getAttribute('title') ?? '?'));
  return locals.sort();
}

async function showsExactly(page: Page, what: string, expected: string[]): Promise<void> {
  const want = [...expected].sort();
  let seen: string[] = [];
  await until(`${what}: ${JSON.stringify(want)}`, async () => {
    seen = await shownLocals(page);
    return JSON.stringify(seen) === JSON.stringify(want);
  }, 30_000).catch((error: Error) => assert.fail(`${error.message}; the table shows ${JSON.stringify(seen)}`));
}

for (const width of WIDTHS) {
  test(`LISTEN retune at ${width} px: a python3 listener set to idle 321 s; a connection it accepts afterwards carries 321 s, by its getsockopt and by ss`, { timeout: 240_000 }, async (t) => {
    requireChromium();
    ensureWebBuild();
    const holder = spawnChild(t, 'python3', [`${HELPERS}listen-holder.py`]);
    const { pid, port } = JSON.parse(await holder.nextLine()) as { pid: number; port: number };
    const server = await startServer(t);
    await server.fastify.ka.processMap.refresh();
    const { page, problems } = await liveAt(t, server, width);
    await page.getByLabel('Port', { exact: true }).fill(String(port));
    const listener = page.locator(`${ROWS}.state-listen`);
    // Process attribution runs on its own slower clock: on a loaded host it can take many seconds.
    await until('the listener row names python3 and its pid', async () => ((await listener.first().textContent()) ?? '').includes(`python3 (${pid})`), 90_000);
    assert.equal(await listener.count(), 1);
    await listener.click();

    const detail = page.getByTestId('detail');
    await detail.getByTestId('listen-inherit').filter({ hasText: 'the connections it accepts from now on inherit these settings' }).waitFor({ timeout: 15_000 });
    assert.equal(await detail.getByTestId('ownership').textContent(), 'foreign');
    await detail.getByLabel('Keepalive enabled').check();
    await detail.getByLabel('Idle (s)').fill('321');
    await detail.getByRole('button', { name: 'Apply', exact: true }).click();
    const beforeAfter = detail.getByTestId('before-after');
    await beforeAfter.waitFor({ timeout: 30_000 });
    assert.match((await beforeAfter.textContent()) ?? '', /enabledfalsetrue ←.*idle \(s\)\d+321 ←/);
    await page.screenshot({ path: artifact(`flows-listen-retuned-${width}.png`) });

    // A connection accepted after the retune: the listener's program reads its inherited settings itself.
    const client = net.connect(port, '127.0.0.1');
    t.after(() => client.destroy());
    await once(client, 'connect');
    const accepted = JSON.parse(await holder.nextLine()) as { peerPort: number; keepalive: { enabled: boolean; idleSec: number } };
    assert.equal(accepted.peerPort, client.localPort);
    assert.deepEqual([accepted.keepalive.enabled, accepted.keepalive.idleSec], [true, 321]);
    const timer = ssTimer({ address: '127.0.0.1', port }, { address: '127.0.0.1', port: client.localPort ?? 0 });
    assert.equal(timer.kind, 'keepalive', timer.line);
    assert.ok(timer.ms > 250_000 && timer.ms <= 321_000 + timer.resolutionMs, `ss's keepalive timer is armed from idle 321 s: ${timer.line}`);

    // The table shows the accepted end with what it inherited.
    const acceptedRow = page.getByRole('row', { name: new RegExp(`^ESTABLISHED.*127\\.0\\.0\\.1:${port}\\s+127\\.0\\.0\\.1:${client.localPort}\\b`) });
    await until('the accepted end to show idle 321', async () => (await acceptedRow.count()) === 1 && (await cellUnder(page, acceptedRow, 'Idle')) === '321', 30_000);
    assert.deepEqual(problems, []);
  });
}

/** A listener on host:port and one connection to it, both in this process; the client's local port, or null when the port is taken. */
async function listenWithClient(t: TestContext, host: string, port: number): Promise<number | null> {
  const accepted: net.Socket[] = [];
  const listener = net.createServer((s) => accepted.push(s.on('error', () => {})));
  const bound = await new Promise<boolean>((resolve) => listener.once('error', () => resolve(false)).listen(port, host, () => resolve(true)));
  if (!bound) return null;
  const client = net.connect(port, host);
  t.after(() => {
    client.destroy();
    for (const s of accepted) s.destroy();
    listener.close();
  });
  await once(client, 'connect');
  return client.localPort ?? null;
}

/** Two listeners on neighbouring ports below the ephemeral range (so no client of the host's is in between): P on 127.0.0.1, P+1 on ::1. */
async function neighbourListeners(t: TestContext): Promise<{ p: number; v4Client: number; v6Client: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const p = 20_000 + Math.floor(Math.random() * 9_000);
    const v4Client = await listenWithClient(t, '127.0.0.1', p);
    if (v4Client === null) continue;
    const v6Client = await listenWithClient(t, '::1', p + 1);
    if (v6Client !== null) return { p, v4Client, v6Client };
  }
  throw new Error('no two free neighbouring ports in 20000-29000');
}

for (const width of WIDTHS) {
  test(`filters at ${width} px: a port range, a CIDR and an ss expression each show exactly the test's rows; a bad expression says where and changes nothing; no match says so`, { timeout: 240_000 }, async (t) => {
    requireChromium();
    ensureWebBuild();
    const { p, v4Client, v6Client } = await neighbourListeners(t);
    const q = p + 1;
    // Each listener shows as three rows: itself, the accepted end (both local port P) and the client end.
    const v4 = [`127.0.0.1:${p}`, `127.0.0.1:${p}`, `127.0.0.1:${v4Client}`];
    const v6 = [`[::1]:${q}`, `[::1]:${q}`, `[::1]:${v6Client}`];
    const server = await startServer(t);
    const { page, problems } = await liveAt(t, server, width);

    await page.getByLabel('Port', { exact: true }).fill(`${p}-${q}`);
    await showsExactly(page, `port ${p}-${q}`, [...v4, ...v6]);
    await page.getByLabel('Address', { exact: true }).fill('127.0.0.0/8');
    await showsExactly(page, 'and 127.0.0.0/8', v4);
    await page.getByRole('button', { name: 'Clear', exact: true }).click();

    const ssFilter = page.getByLabel('ss filter', { exact: true });
    await ssFilter.fill(`sport = :${q} or dport = :${q}`);
    await showsExactly(page, `sport = :${q} or dport = :${q}`, v6);

    const broken = `sport = :${q} or`;
    await ssFilter.fill(broken);
    const error = page.locator('form.filters .field-error[role="alert"]');
    await error.filter({ hasText: `expr: at ${broken.length + 1}: expected a condition` }).waitFor({ timeout: 15_000 });
    assert.equal(await ssFilter.getAttribute('aria-invalid'), 'true');
    const errorBox = await error.boundingBox();
    assert.ok(errorBox && errorBox.x >= 0 && errorBox.x + errorBox.width <= width, `the error is on screen at ${width} px: ${JSON.stringify(errorBox)}`);
    // Long enough for the debounced filter to reach the server and its answer to come back.
    await page.waitForTimeout(2_500);
    assert.deepEqual(await shownLocals(page), [...v6].sort(), 'an expression that cannot be read leaves the rows as they were');
    await page.screenshot({ path: artifact(`flows-filter-error-${width}.png`) });

    await ssFilter.fill(`sport = :${q} and dport = :${q}`);
    const empty = page.locator('.empty[role="status"]');
    await empty.filter({ hasText: 'No connection matches these filters' }).waitFor({ timeout: 30_000 });
    assert.doesNotMatch((await empty.textContent()) ?? '', /No TCP connections are visible/);
    assert.equal(await page.locator(ROWS).count(), 0);
    assert.deepEqual(problems, []);
  });
}

for (const width of WIDTHS) {
  test(`bidi name at ${width} px: pay\\u202egnp.exe is shown escaped with its pid whole, in the row and in the detail`, { timeout: 240_000 }, async (t) => {
    requireChromium();
    ensureWebBuild();
    const held = await holdSocketAs(t, 'pay\u202egnp.exe');
    const server = await startServer(t);
    await server.fastify.ka.processMap.refresh();
    const { page, problems } = await liveAt(t, server, width);
    await page.getByLabel('Port', { exact: true }).fill(String(held.localPort));
    const row = page.getByRole('row', { name: new RegExp(`127\\.0\\.0\\.1:${held.localPort}\\s+127\\.0\\.0\\.1:${held.port}`) });
    const cell = row.locator('td.c-process');
    await until('the row names the process', async () => ((await cell.textContent()) ?? '').includes(`gnp.exe (${held.pid})`), 90_000);
    assert.equal(await cell.textContent(), `pay\\u{202E}gnp.exe (${held.pid})`);

    // The pid is never what gets cut: its part lies whole inside the cell, scrolled into view.
    await cell.scrollIntoViewIfNeeded();
    const [cellBox, pidBox] = [await cell.boundingBox(), await cell.locator('.kept').boundingBox()];
    assert.ok(cellBox && pidBox, 'the process cell and its pid part are laid out');
    assert.ok(pidBox.x >= cellBox.x && pidBox.x + pidBox.width <= cellBox.x + cellBox.width + 0.5, `pid ${JSON.stringify(pidBox)} inside cell ${JSON.stringify(cellBox)}`);
    assert.ok(pidBox.x >= 0 && pidBox.x + pidBox.width <= width, `the pid is on screen at ${width} px`);

    await row.click();
    const holders = page.getByTestId('detail').getByRole('region', { name: 'Holders' });
    const holderRow = holders.locator('tbody tr').filter({ hasText: String(held.pid) });
    await holderRow.waitFor({ timeout: 15_000 });
    assert.match((await holderRow.textContent()) ?? '', /pay\\u\{202E\}gnp\.exe/);
    assert.equal(await page.evaluate<boolean>(`document.body.textContent.includes('\\u202e')`), false, 'the override character is nowhere on the page');
    await page.screenshot({ path: artifact(`flows-bidi-${width}.png`) });
    assert.deepEqual(problems, []);
  });
}
