import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { tempDir } from '../helpers/app.js';

const MAIN = new URL('../../server/dist/main.js', import.meta.url).pathname;
const TOKEN = 'crash-test-token-123';

/** Starts the real CLI; resolves its base URL once it prints it. */
async function startServer(t: TestContext, auditLog: string) {
  const child = spawn(process.execPath, [MAIN, '--port', '0', '--token', TOKEN, '--audit-log', auditLog], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += String(d)));
  child.stderr.on('data', (d: Buffer) => (out += String(d)));
  const deadline = Date.now() + 15_000;
  while (!/Open: (http:\/\/[^/]+)\//.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start: ${out}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const base = /Open: (http:\/\/[^/]+)\//.exec(out)?.[1] as string;
  const call = async (method: string, path: string, body?: object) => {
    const res = await fetch(base + path, { method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return (await res.json()) as Record<string, unknown>;
  };
  return { child, call, output: () => out };
}

test('kill -9 while a black hole is on: the next start removes what was left', async (t) => {
  const auditLog = join(tempDir(t), 'audit.jsonl');
  const first = await startServer(t, auditLog);
  const listener = await first.call('POST', '/api/lab/listeners', { port: 0 });
  const conn = await first.call('POST', '/api/lab/connections', { host: '127.0.0.1', port: (listener.local as { port: number }).port });
  const on = await first.call('POST', `/api/lab/connections/${String(conn.id)}/blackhole`, { on: true });
  assert.equal(on.blackholed, true);
  const peerPort = (conn.peer as { port: number }).port;
  const rules = () => execFileSync('ip', ['rule', 'show'], { encoding: 'utf8' });
  t.after(() => {
    // Should the server fail to clean up, do it here: never leave the host black-holed.
    for (const line of rules().split('\n').filter((l) => l.includes('proto 107') && l.includes('blackhole'))) {
      const spec = line.replace(/^\d+:\s+/, '').replace(/ blackhole.*$/, '').split(/\s+/);
      execFileSync('ip', ['rule', 'del', 'pref', '0', ...spec, 'protocol', '107', 'blackhole']);
    }
    if (!/^0:\s+from all lookup local/m.test(rules())) execFileSync('ip', ['rule', 'add', 'pref', '0', 'lookup', 'local']);
    for (const _ of rules().match(/^1:\s+from all lookup local proto 107/gm) ?? []) execFileSync('ip', ['rule', 'del', 'pref', '1', 'table', 'local', 'protocol', '107']);
  });
  assert.match(rules(), new RegExp(`sport ${peerPort} .*blackhole proto 107`));
  first.child.kill('SIGKILL');
  await once(first.child, 'exit');
  assert.match(rules(), new RegExp(`sport ${peerPort} .*blackhole proto 107`), 'left behind by the crash');
  const second = await startServer(t, auditLog);
  assert.doesNotMatch(rules(), new RegExp(`sport ${peerPort} `), 'removed at the next start');
  assert.match(rules(), /^0:\s+from all lookup local/m);
  const events = (await second.call('GET', '/api/events')).events as { type: string; summary: string }[];
  assert.ok(events.some((e) => e.type === 'blackhole' && /crashed run/.test(e.summary)), 'and it says so in the audit log');
});
