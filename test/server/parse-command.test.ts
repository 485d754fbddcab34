import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

import type { Connection } from '@keepalive-dashboard/shared';
import { runParse } from '@keepalive-dashboard/server/parse-command';

const fixtures = new URL('../fixtures/', import.meta.url).pathname;

async function run(argv: string[], files: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runParse(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    readFile: async (path) => files[path] ?? readFile(path, 'utf8'),
  });
  return { code, stdout, stderr };
}

test('prints the connections of a capture as one JSON array', async () => {
  const { code, stdout, stderr } = await run(['--format', 'ss', `${fixtures}ss/steady-client-tanoie.txt`]);
  assert.equal(code, 0);
  assert.equal(stderr, '');
  const connections = JSON.parse(stdout) as Connection[];
  assert.equal(connections.length, 22);
  assert.ok(connections.some((c) => c.local.address === 'fe80::a%veth-a'));
});

test('skipped lines go to stderr as FILE:LINE: message, and the exit status stays 0', async () => {
  const text = 'tcp 0 0 10.0.0.1:22 10.0.0.2:1 ESTABLISHED 0 5 off (0.00/0/0)\ntcp 0 0 nonsense\n';
  const { code, stdout, stderr } = await run(['--format', 'netstat', 'cap.txt'], { 'cap.txt': text });
  assert.equal(code, 0);
  assert.match(stderr, /^cap\.txt:2: /);
  assert.equal((JSON.parse(stdout) as Connection[])[0]?.inode, 5);
});

test('proc: the family comes from the address width, --user-hz scales the timers', async () => {
  const tcp6 = await run(['--format', 'proc', `${fixtures}proc/steady-client-tcp6.txt`]);
  assert.ok((JSON.parse(tcp6.stdout) as Connection[]).every((c) => c.family === 6));
  const at1000 = await run(['--format', 'proc', '--user-hz', '1000', `${fixtures}proc/probing-client-tcp.txt`]);
  const keepalive = (JSON.parse(at1000.stdout) as Connection[]).find((c) => c.local.port === 40001);
  assert.equal(keepalive?.timer.remainingMs, 719_462);
});

test('usage errors and an unreadable file exit 2 with a clear message; --help exits 0', async () => {
  assert.deepEqual(await run(['--format', 'ss']).then((r) => [r.code, /expected one FILE/.test(r.stderr)]), [2, true]);
  assert.deepEqual(await run(['x.txt']).then((r) => [r.code, /--format is required/.test(r.stderr)]), [2, true]);
  assert.deepEqual(await run(['--format', 'lsof', 'x']).then((r) => [r.code, /ss, netstat, proc/.test(r.stderr)]), [2, true]);
  assert.deepEqual(await run(['--format', 'proc', '--user-hz', '0', 'x']).then((r) => r.code), 2);
  assert.deepEqual(await run(['--bogus']).then((r) => r.code), 2);
  const missing = await run(['--format', 'ss', '/nonexistent/capture.txt']);
  assert.deepEqual([missing.code, missing.stdout], [2, '']);
  assert.match(missing.stderr, /cannot read \/nonexistent\/capture\.txt/);
  const help = await run(['--help']);
  assert.deepEqual([help.code, help.stdout.startsWith('Usage: keepalive-dashboard parse')], [0, true]);
});
