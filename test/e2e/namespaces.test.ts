/**
 * Namespaces in a real browser against the real server and kernel: two
 * namespaces this test creates, each with a python3 child holding a keepalive
 * pair on its own loopback and its own tcp_keepalive_time. Pick one in the
 * filter bar: the table shows its pair and not the other's, the host panel its
 * sysctls; change its tcp_keepalive_time from the page and the kernel inside
 * agrees while the other namespace keeps its own. The host has other sockets
 * and namespaces, so rows are found by port and namespaces by inode.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { test, type TestContext } from 'node:test';

import type { Namespace } from '@keepalive-dashboard/shared';

import { artifact, ensureWebBuild, openBrowser, requireChromium, startServer, until } from './harness.js';

/** A listener, a client with SO_KEEPALIVE + TCP_KEEPIDLE, and the accepted end; prints "ready", holds them until stdin closes. */
const PAIR_HOLDER = `
import socket, sys
port, idle = int(sys.argv[1]), int(sys.argv[2])
listener = socket.socket()
listener.bind(('127.0.0.1', port))
listener.listen()
client = socket.socket()
client.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
client.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, idle)
client.connect(('127.0.0.1', port))
accepted, _ = listener.accept()
print('ready', flush=True)
sys.stdin.read()
`;

interface TestNamespace {
  name: string;
  inode: number;
  port: number;
}

/** A sysctl as the kernel inside `ns` has it; null = this process's (the host's) namespace. */
const sysctlIn = (ns: string | null, key: string): number =>
  Number(execFileSync(ns === null ? 'sysctl' : 'ip', [...(ns === null ? [] : ['netns', 'exec', ns, 'sysctl']), '-n', key], { encoding: 'utf8' }).trim());

/** `ip netns add` with lo up, its tcp_keepalive_time set, a pair held inside on `port`; all gone when the test ends. */
async function namespaceWithPair(t: TestContext, n: number, port: number, idleSec: number, keepaliveTimeSec: number): Promise<TestNamespace> {
  const name = `ka-e2e-ns-${process.pid}-${n}`;
  execFileSync('ip', ['netns', 'add', name]);
  t.after(() => execFileSync('ip', ['netns', 'delete', name]));
  execFileSync('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  execFileSync('ip', ['netns', 'exec', name, 'sysctl', '-qw', `net.ipv4.tcp_keepalive_time=${keepaliveTimeSec}`]);
  // `ip netns exec` execs, so the pid is python's.
  const child = spawn('ip', ['netns', 'exec', name, 'python3', '-c', PAIR_HOLDER, String(port), String(idleSec)], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  });
  const [line] = (await Promise.race([once(createInterface({ input: child.stdout }), 'line'), once(child, 'exit')])) as [unknown];
  assert.equal(line, 'ready', `the pair holder in ${name} started`);
  return { name, inode: statSync(`/run/netns/${name}`).ino, port };
}

test('pick a namespace: its sockets in the table, its sysctls in the host panel, changed from the page in that namespace only', { timeout: 180_000 }, async (t) => {
  requireChromium();
  ensureWebBuild();
  const a = await namespaceWithPair(t, 1, 47_101, 301, 1111);
  const b = await namespaceWithPair(t, 2, 47_102, 302, 2222);
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
  // Before the server's filtered window arrives the table still shows every namespace: wait for B's rows to leave.
  await until("A's three sockets in the table and none of B's", async () => (await withPort(a.port)) === 3 && (await withPort(b.port)) === 0, 20_000);
  assert.deepEqual([...new Set(await rows.locator('td.c-netns').allTextContents())], [a.name]);
  assert.equal(await rows.locator('td.c-netns').first().getAttribute('title'), `netns:${a.inode}`);

  // The detail panel names the namespace.
  await rows.filter({ hasText: `127.0.0.1:${a.port}` }).first().click();
  await page.getByTestId('detail-netns').filter({ hasText: `${a.name} (netns:${a.inode})` }).waitFor();

  // The host panel: A's row highlighted with its sysctls, its form holding A's value.
  const nsRow = (ns: TestNamespace) => page.locator(`table.namespaces tr[data-netns="${ns.inode}"]`);
  await nsRow(a).locator('[data-sysctl="keepaliveTimeSec"]').filter({ hasText: /^1111 s$/ }).waitFor();
  assert.equal(await nsRow(a).getAttribute('aria-current'), 'true');
  assert.equal(await nsRow(b).getAttribute('aria-current'), null);
  assert.equal(await nsRow(b).locator('[data-sysctl="keepaliveTimeSec"]').textContent(), '2222 s');
  const time = page.getByLabel('net.ipv4.tcp_keepalive_time (s)');
  await until("the form to show A's 1111", async () => (await time.inputValue()) === '1111');

  await time.fill('1500');
  await page.getByRole('button', { name: 'Save defaults' }).click();
  await until("A's kernel to say 1500", async () => sysctlIn(a.name, 'net.ipv4.tcp_keepalive_time') === 1500, 15_000);
  assert.equal(sysctlIn(b.name, 'net.ipv4.tcp_keepalive_time'), 2222, "B's is unchanged");
  assert.equal(sysctlIn(null, 'net.ipv4.tcp_keepalive_time'), hostTimeSec, "the host's is unchanged");
  await nsRow(a).locator('[data-sysctl="keepaliveTimeSec"]').filter({ hasText: /^1500 s$/ }).waitFor({ timeout: 15_000 });

  await page.screenshot({ path: artifact('e2e-namespaces.png') });
  assert.deepEqual(problems, [], 'no console errors, page errors or CSP violations');
});
