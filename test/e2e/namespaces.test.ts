/**
 * Namespaces in a real browser against the real server and kernel: two
 * namespaces this test creates (netns-lab), each with ns-holder.py holding a
 * keepalive pair on its own loopback and its own tcp_keepalive_time. Pick one in the
 * filter bar: the table shows its pair and not the other's, the host panel its
 * sysctls; change its tcp_keepalive_time from the page and the kernel inside
 * agrees while the other namespace keeps its own. The host has other sockets
 * and namespaces, so rows are found by port and label, namespaces by inode.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test, type TestContext } from 'node:test';

import type { Namespace } from '@keepalive-dashboard/shared';

import { netnsLab, type LabNamespace } from '../helpers/netns-lab.js';
import { startHolder, type NsHolder } from '../helpers/ns-holder.js';
import { artifact, ensureWebBuild, openBrowser, requireChromium, startServer, until } from './harness.js';

interface TestNamespace extends LabNamespace {
  /** The holder's loopback listener: its pair's three sockets all carry this port. */
  port: number;
}

/** A sysctl as the kernel inside `ns` has it; null = this process's (the host's) namespace. */
const sysctlIn = (ns: string | null, key: string): number =>
  Number(execFileSync(ns === null ? 'sysctl' : 'ip', [...(ns === null ? [] : ['netns', 'exec', ns, 'sysctl']), '-n', key], { encoding: 'utf8' }).trim());

/** A lab namespace (its own tcp_keepalive_time) with ns-holder.py's loopback pair inside; all gone when the test ends. */
async function namespaceWithPair(t: TestContext, idleSec: number): Promise<TestNamespace> {
  const lab = netnsLab(t, 1);
  const ns = lab.namespaces[0] as LabNamespace;
  const holder = await startHolder(lab, ns, { keepalive: [idleSec, 11, 3] });
  return { ...ns, port: (holder.listeners[0] as NsHolder['listeners'][number]).local.port };
}

test('pick a namespace: its sockets in the table, its sysctls in the host panel, changed from the page in that namespace only', { timeout: 180_000 }, async (t) => {
  requireChromium();
  ensureWebBuild();
  const a = await namespaceWithPair(t, 301);
  const b = await namespaceWithPair(t, 302);
  const [aTimeSec, bTimeSec] = [a.sysctl.keepaliveTimeSec, b.sysctl.keepaliveTimeSec];
  const hostTimeSec = sysctlIn(null, 'net.ipv4.tcp_keepalive_time');
  const server = await startServer(t, { namespaces: 'all' });
  await until('both namespaces listed with their pairs', async () => {
    const { body } = await server.api<{ namespaces: Namespace[] }>('GET', '/api/namespaces');
    return [a, b].every((ns) => (body.namespaces.find((n) => n.inode === ns.inode)?.sockets ?? 0) >= 3);
  }, 30_000);

  const { page, problems } = await openBrowser(t);
  await page.goto(server.loginUrl());
  await page.getByTestId('link-status').filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
  const picker = page.locator('#filter-netns');
  await picker.locator(`option[value="${a.inode}"]`).filter({ hasText: `${a.name} (` }).waitFor({ state: 'attached', timeout: 15_000 });
  await picker.selectOption(String(a.inode));

  // A's listener and both ends of its pair; nothing of B's, and every row labelled A.
  const rows = page.locator('table.connections tr.row');
  const rowTexts = (): Promise<string[]> => rows.allTextContents();
  const withPort = async (port: number): Promise<number> => (await rowTexts()).filter((r) => r.includes(`127.0.0.1:${port}`)).length;
  const labels = (): Promise<string[]> => rows.locator('td.c-netns').allTextContents();
  // Before the server's filtered window arrives the table still shows every namespace: wait for B's rows to leave.
  // B is told by its label, not its port: each namespace has its own port space, so B's may equal A's.
  await until("A's three sockets in the table and none of B's", async () => (await withPort(a.port)) === 3 && !(await labels()).includes(b.name), 20_000);
  assert.deepEqual([...new Set(await labels())], [a.name]);
  assert.equal(await rows.locator('td.c-netns').first().getAttribute('title'), `netns:${a.inode}`);

  // The detail panel names the namespace.
  await rows.filter({ hasText: `127.0.0.1:${a.port}` }).first().click();
  await page.getByTestId('detail-netns').filter({ hasText: `${a.name} (netns:${a.inode})` }).waitFor();

  // The host panel: A's row highlighted with its sysctls, its form holding A's value.
  const nsRow = (ns: TestNamespace) => page.locator(`table.namespaces tr[data-netns="${ns.inode}"]`);
  await nsRow(a).locator('[data-sysctl="keepaliveTimeSec"]').filter({ hasText: new RegExp(`^${aTimeSec} s$`) }).waitFor();
  assert.equal(await nsRow(a).getAttribute('aria-current'), 'true');
  assert.equal(await nsRow(b).getAttribute('aria-current'), null);
  assert.equal(await nsRow(b).locator('[data-sysctl="keepaliveTimeSec"]').textContent(), `${bTimeSec} s`);
  const time = page.getByLabel('net.ipv4.tcp_keepalive_time (s)');
  await until(`the form to show A's ${aTimeSec}`, async () => (await time.inputValue()) === String(aTimeSec));

  await time.fill('1500');
  await page.getByRole('button', { name: 'Save defaults' }).click();
  await until("A's kernel to say 1500", async () => sysctlIn(a.name, 'net.ipv4.tcp_keepalive_time') === 1500, 15_000);
  assert.equal(sysctlIn(b.name, 'net.ipv4.tcp_keepalive_time'), bTimeSec, "B's is unchanged");
  assert.equal(sysctlIn(null, 'net.ipv4.tcp_keepalive_time'), hostTimeSec, "the host's is unchanged");
  await nsRow(a).locator('[data-sysctl="keepaliveTimeSec"]').filter({ hasText: /^1500 s$/ }).waitFor({ timeout: 15_000 });

  await page.screenshot({ path: artifact('e2e-namespaces.png') });
  assert.deepEqual(problems, [], 'no console errors, page errors or CSP violations');
});
