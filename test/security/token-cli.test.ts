/** The long-lived token: never needed on the command line, where every user can read it. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { parseCli, TOKEN_ENV } from '@keepalive-dashboard/server/cli';

import { tempDir } from '../helpers/app.js';

const MAIN = new URL('../../server/dist/main.js', import.meta.url).pathname;

/** Starts the real CLI, returns what it printed once it printed the login URL, and its pid. */
async function start(t: TestContext, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ out: string; pid: number }> {
  const child = spawn(process.execPath, [MAIN, '--port', '0', '--audit-log', join(tempDir(t), 'audit.jsonl'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += String(d)));
  child.stderr.on('data', (d: Buffer) => (out += String(d)));
  const deadline = Date.now() + 60_000;
  while (!/Open: http:\/\/\S+\/login\?code=\S+/.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start: ${out}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { out, pid: child.pid as number };
}

test('the token comes from --token-file or the environment; --token warns that others can read it', () => {
  assert.equal(parseCli([], { [TOKEN_ENV]: 'from-the-environment' }).token, 'from-the-environment');
  assert.equal(parseCli([], { [TOKEN_ENV]: 'from-the-environment' }).tokenSource, 'env');
  assert.equal(parseCli(['--token-file', '/x'], {}).tokenSource, 'file');
  assert.equal(parseCli([], {}).tokenSource, 'generated');
  assert.throws(() => parseCli(['--token', 'abcdefgh', '--token-file', '/x'], {}), /not both/);
});

test('with --token-file the secret is in neither the command line nor the printed URL, and it works', { timeout: 90_000 }, async (t) => {
  const file = join(tempDir(t), 'token');
  writeFileSync(file, 'token-from-a-file-123\n');
  chmodSync(file, 0o600);
  const { out, pid } = await start(t, ['--token-file', file]);
  assert.doesNotMatch(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /token-from-a-file/);
  assert.doesNotMatch(out, /token-from-a-file/);
  const base = /Open: (http:\/\/[^/]+)\//.exec(out)?.[1] as string;
  const res = await fetch(`${base}/api/health`, { headers: { authorization: 'Bearer token-from-a-file-123' } });
  assert.equal(res.status, 200);
});

test('--token still works, with a warning naming /proc/PID/cmdline', { timeout: 90_000 }, async (t) => {
  const { out } = await start(t, ['--token', 'visible-token-123']);
  assert.match(out, /--token is visible to every user on this host in \/proc\/\d+\/cmdline/);
});

test('a token file others can read is named in a warning', { timeout: 90_000 }, async (t) => {
  const file = join(tempDir(t), 'token');
  writeFileSync(file, 'world-readable-token\n');
  chmodSync(file, 0o644);
  const { out } = await start(t, ['--token-file', file]);
  assert.match(out, /readable by other users \(mode 644\)/);
});
