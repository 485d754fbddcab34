/**
 * A process named like markup holds a socket: the browser shows the name as
 * text and runs nothing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { ensureWebBuild, openBrowser, requireChromium, startServer, until } from './harness.js';

const HOSTILE = '<img src=x onerror=alert(1)>';

test('a process named <img src=x onerror=alert(1)> is shown as text and runs nothing', { timeout: 120_000 }, async (t) => {
  requireChromium();
  ensureWebBuild();
  // The kernel names a process after the file it executed: a symlink called HOSTILE to sleep.
  const dir = mkdtempSync(join(tmpdir(), 'ka-hostile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync('/usr/bin/sleep', join(dir, HOSTILE));
  const listener = net.createServer((s) => s.on('error', () => {})).listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const port = (listener.address() as net.AddressInfo).port;
  const client = net.connect(port, '127.0.0.1');
  await once(client, 'connect');
  const child = spawn(join(dir, HOSTILE), ['120'], { stdio: ['ignore', 'ignore', 'ignore', client] });
  await once(child, 'spawn');
  const localPort = client.localPort;
  // Close our copy (close(2), no shutdown): the hostile process is then the socket's only holder.
  client.destroy();
  t.after(() => {
    child.kill('SIGKILL');
    listener.close();
  });

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
