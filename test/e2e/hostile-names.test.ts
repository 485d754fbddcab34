/**
 * A process named like markup holds a socket: the browser shows the name as
 * text and runs nothing. One named with a right-to-left override is shown
 * with the override escaped, never obeyed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { holdSocketAs } from '../helpers/named-holder.js';
import { ensureWebBuild, openBrowser, requireChromium, startServer, until } from './harness.js';

const HOSTILE = '<img src=x onerror=alert(1)>';

test('a process named <img src=x onerror=alert(1)> is shown as text and runs nothing', { timeout: 120_000 }, async (t) => {
  requireChromium();
  ensureWebBuild();
  const { localPort, port } = await holdSocketAs(t, HOSTILE);
  const server = await startServer(t);
  await server.fastify.ka.processMap.refresh();
  const { page, problems } = await openBrowser(t);
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(server.loginUrl());
  await page.getByLabel('Port', { exact: true }).fill(String(localPort));
  const row = page.getByRole('row', { name: new RegExp(`127\\.0\\.0\\.1:${localPort}\\s+127\\.0\\.0\\.1:${port}`) });
  await until('the row names the hostile process', async () => ((await row.first().textContent()) ?? '').includes('<img src=x oner'), 20_000);
  assert.equal(await page.locator('img').count(), 0, 'no <img> element was created');
  await page.waitForTimeout(500);
  assert.deepEqual(dialogs, [], 'no script ran');
  assert.deepEqual(problems, []);
});

test('a process named pay\\u202egnp.exe is shown with the override escaped: its pid and name read left to right', { timeout: 120_000 }, async (t) => {
  requireChromium();
  ensureWebBuild();
  const { localPort, port } = await holdSocketAs(t, 'pay\u202egnp.exe');
  const server = await startServer(t);
  await server.fastify.ka.processMap.refresh();
  const { page, problems } = await openBrowser(t);
  await page.goto(server.loginUrl());
  await page.getByLabel('Port', { exact: true }).fill(String(localPort));
  const row = page.getByRole('row', { name: new RegExp(`127\\.0\\.0\\.1:${localPort}\\s+127\\.0\\.0\\.1:${port}`) });
  const rowText = async (): Promise<string> => (await row.first().textContent()) ?? '';
  await until('the row names the process', async () => (await rowText()).includes('gnp.exe'), 20_000);
  const text = await rowText();
  assert.ok(text.includes('pay\\u{202E}gnp.exe ('), text);
  assert.ok(!text.includes('\u202e'), 'the override character is not on the page');
  assert.deepEqual(problems, []);
});
