/**
 * The dashboard in a real browser against the real server and kernel: open a
 * lab connection, find its row, retune it from the detail panel, and check
 * the table, the panel, the running countdown and `ss -tno` all agree.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

import type { Page } from 'playwright-core';

import { artifact, ensureWebBuild, openBrowser, requireChromium, startServer, until } from './harness.js';

interface LabEntry {
  id: string;
  local: { address: string; port: number };
  connectionId: string | null;
}

/** "42.3 s" / "9 min 58 s" / "1 h 59 min 58 s" → seconds. */
function parseCountdown(text: string): number {
  const m = /^(?:(\d+) h )?(?:(\d+) min )?([\d.]+) s$/.exec(text.trim());
  if (!m) throw new Error(`not a countdown: "${text}"`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3]);
}

/** The keepalive timer ss -tno prints for 127.0.0.1:localPort → 127.0.0.1:peerPort, in seconds; null when there is none. */
function ssKeepaliveSeconds(localPort: number, peerPort: number): number | null {
  // The whole 4-tuple: on a busy host another connection may share the ephemeral port.
  const out = execFileSync('ss', ['-tnoH', 'state', 'established', 'src', `127.0.0.1:${localPort}`, 'dst', `127.0.0.1:${peerPort}`], { encoding: 'utf8' });
  if (out.trim().split('\n').length !== 1) throw new Error(`ss matched not exactly one socket:\n${out}`);
  const m = /timer:\(keepalive,(?:(\d+)min)?(?:([\d.]+)sec)?(?:([\d.]+)ms)?,(\d+)\)/.exec(out);
  if (!m) return null;
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) + Number(m[3] ?? 0) / 1000;
}

async function rowCell(page: Page, connectionId: string, column: number): Promise<string> {
  return (await page.locator(`tr[data-id="${connectionId}"] td`).nth(column).textContent()) ?? '';
}

test('retune a lab connection from the browser; table, panel, countdown and ss agree', { timeout: 180_000 }, async (t) => {
  requireChromium();
  ensureWebBuild();
  const server = await startServer(t);

  const listener = await server.api<LabEntry>('POST', '/api/lab/listeners', { port: 0 });
  assert.equal(listener.status, 201, JSON.stringify(listener.body));
  const conn = await server.api<LabEntry>('POST', '/api/lab/connections', { host: '127.0.0.1', port: listener.body.local.port });
  assert.equal(conn.status, 201, JSON.stringify(conn.body));
  const id = conn.body.connectionId;
  assert.ok(id, 'the lab connection has a connection id');
  const localPort = conn.body.local.port;
  const peerPort = listener.body.local.port;

  const { page, problems } = await openBrowser(t);
  await page.goto(server.loginUrl());
  await page.getByTestId('link-status').filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
  assert.equal(new URL(page.url()).search, '', `the login code left the address bar: ${page.url()}`);

  // Narrow the table to this connection's ports and find its row.
  await page.getByLabel('Port', { exact: true }).fill(String(localPort));
  const row = page.locator(`tr[data-id="${id}"]`);
  await row.waitFor({ timeout: 15_000 });
  const named = page.getByRole('row', { name: new RegExp(`127\\.0\\.0\\.1:${localPort}\\s+127\\.0\\.0\\.1:${peerPort}`) });
  assert.equal(await named.count(), 1, 'the row is a table row named by its endpoints');
  assert.equal(await rowCell(page, id, 5), 'off');
  await row.click();

  const detail = page.getByRole('complementary', { name: 'Connection detail' });
  await detail.getByRole('heading', { name: `127.0.0.1:${localPort} → 127.0.0.1:${peerPort}` }).waitFor();
  await assert.doesNotReject(detail.getByTestId('ownership').filter({ hasText: 'owned' }).waitFor({ timeout: 5000 }));

  // Out of bounds is refused as you type.
  await detail.getByLabel('Idle (s)').fill('0');
  await detail.getByText('idle must be 1–32767 s, got 0').waitFor();
  assert.equal(await detail.getByRole('button', { name: 'Apply', exact: true }).isDisabled(), true);

  await detail.getByLabel('Keepalive enabled').check();
  await detail.getByLabel('Idle (s)').fill('600');
  await detail.getByLabel('Interval (s)').fill('30');
  await detail.getByLabel('Count').fill('4');
  await detail.getByLabel('User timeout (ms)').fill('0');
  await detail.getByText('a dead peer will be detected 12 min 0 s after its last answer').waitFor();
  await detail.getByRole('button', { name: 'Apply', exact: true }).click();

  const beforeAfter = detail.getByTestId('before-after');
  await beforeAfter.waitFor();
  assert.match((await beforeAfter.textContent()) ?? '', /idle \(s\)7200600/);

  // The stream brings the new settings to the row and the panel.
  await until('the row to show idle 600', async () => (await rowCell(page, id, 6)) === '600');
  assert.equal(await rowCell(page, id, 5), 'on');
  assert.equal(await rowCell(page, id, 7), '30');
  assert.equal(await rowCell(page, id, 8), '4');
  await detail.getByTestId('detail-idle').filter({ hasText: '600 s' }).waitFor();
  assert.match((await detail.getByTestId('detail-interval').textContent()) ?? '', /^30 s/);

  // The countdown runs between frames.
  const countdown = detail.getByTestId('countdown-time');
  const first = (await countdown.textContent()) ?? '';
  await page.waitForTimeout(1300);
  const second = (await countdown.textContent()) ?? '';
  assert.notEqual(first, second, 'the countdown moved');
  const uiSeconds = parseCountdown(second);
  assert.ok(uiSeconds > 560 && uiSeconds <= 600, `countdown ${second} is about 600 s`);

  // The kernel agrees. Switching keepalive on arms a full idle from now, so
  // ss shows about 600 s; the truthful countdown runs from the last receive,
  // so it is shorter by the time the connection has been quiet.
  const ssSeconds = ssKeepaliveSeconds(localPort, peerPort);
  assert.ok(ssSeconds !== null, 'ss -tno shows a keepalive timer');
  const kernelSeconds = parseCountdown(((await detail.getByTestId('kernel-timer').textContent()) ?? '').replace(/^keepalive /, ''));
  assert.ok(Math.abs(ssSeconds - kernelSeconds) < 3, `ss says ${ssSeconds} s, the page's kernel timer ${kernelSeconds} s`);
  const rowKernel = parseCountdown(await rowCell(page, id, 10));
  assert.ok(Math.abs(rowKernel - ssSeconds) < 3, `row kernel timer ${rowKernel} s vs ss ${ssSeconds} s`);
  assert.ok(uiSeconds <= ssSeconds + 2, `next probe ${uiSeconds} s is not later than the kernel's ${ssSeconds} s`);
  const rowCountdown = parseCountdown(await rowCell(page, id, 9));
  assert.ok(Math.abs(rowCountdown - uiSeconds) < 3, `row countdown ${rowCountdown} s vs panel ${uiSeconds} s`);

  await page.screenshot({ path: artifact('e2e-retuned.png') });

  // Undo puts the socket back: keepalive off, no timer in ss.
  await detail.getByRole('button', { name: 'Undo last change' }).click();
  await until('the row to show keepalive off', async () => (await rowCell(page, id, 5)) === 'off');
  assert.equal(await rowCell(page, id, 6), '7200');
  assert.equal(ssKeepaliveSeconds(localPort, peerPort), null, 'ss shows no keepalive timer after Undo');

  // Keyboard: Esc closes the panel, arrows and Enter open a row again.
  await page.keyboard.press('Escape');
  await page.getByRole('complementary', { name: 'Connection detail' }).getByText('Click a connection').waitFor();
  await row.focus();
  await page.keyboard.press('Enter');
  await detail.getByRole('heading', { name: new RegExp(`127\\.0\\.0\\.1:${localPort}|127\\.0\\.0\\.1:${peerPort}`) }).waitFor();

  await page.screenshot({ path: artifact('e2e-final.png') });
  assert.deepEqual(problems, [], 'no console errors, page errors or CSP violations');
});
