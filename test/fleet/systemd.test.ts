/** The agent's systemd unit: systemd itself accepts it, it is locked down, and its capabilities are exactly what reading the host takes. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { tempDir } from '../helpers/app.js';
import { REPO_ROOT, spawnChild } from '../helpers/processes.js';
import { MAIN } from '../server/faults/server-process.js';

const UNIT = `${REPO_ROOT}deploy/systemd/keepalive-dashboard.service`;
const unitText = readFileSync(UNIT, 'utf8');

/** Every value of `key=` in the unit, in order. */
const values = (key: string): string[] => [...unitText.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1] as string);

/** A copy whose ExecStart names this machine's node and this checkout's build, so verify can check they exist. */
function installedCopy(dir: string): string {
  const path = join(dir, 'keepalive-dashboard.service');
  writeFileSync(path, unitText.replace('/usr/bin/node', process.execPath).replace('/opt/keepalive-dashboard/server/dist/main.js', MAIN));
  return path;
}

test('systemd-analyze verify accepts the unit without a single warning', (t) => {
  const run = spawnSync('systemd-analyze', ['verify', installedCopy(tempDir(t))], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  // Unknown or misspelt keys are only warnings (exit 0): any output about the unit is a failure.
  assert.doesNotMatch(run.stderr, /keepalive-dashboard\.service/);
});

test("systemd-analyze security rates the unit's exposure below 5 (of 10)", (t) => {
  const run = spawnSync('systemd-analyze', ['security', '--offline=yes', '--threshold=50', installedCopy(tempDir(t))], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stdout.split('\n').slice(-3).join('\n'));
  assert.match(run.stdout, /Overall exposure level for keepalive-dashboard\.service: [0-4]\.\d/);
});

test('the capabilities are exactly ptrace, namespaces and raw packets, ambient = bounding, and changes are off', () => {
  const caps = (line: string | undefined): string[] => (line ?? '').split(/\s+/).filter(Boolean).sort();
  assert.deepEqual(caps(values('AmbientCapabilities')[0]), ['CAP_NET_RAW', 'CAP_SYS_ADMIN', 'CAP_SYS_PTRACE']);
  assert.deepEqual(caps(values('CapabilityBoundingSet')[0]), caps(values('AmbientCapabilities')[0]));
  for (const [key, value] of [['ProtectSystem', 'strict'], ['NoNewPrivileges', 'yes'], ['DynamicUser', 'yes'], ['StateDirectory', 'keepalive-dashboard']]) {
    assert.deepEqual(values(key as string), [value], key);
  }
  const exec = values('ExecStart')[0] ?? '';
  assert.match(exec, / --read-only /);
  assert.match(exec, / --audit-log \/var\/lib\/keepalive-dashboard\//);
});

test('the token comes from a credential: LoadCredential=token and --token-file %d/token, never --token', () => {
  assert.deepEqual(values('LoadCredential'), ['token:/etc/keepalive-dashboard/token']);
  const exec = values('ExecStart')[0] ?? '';
  assert.match(exec, / --token-file %d\/token /);
  assert.doesNotMatch(exec, / --token /);
  assert.deepEqual(values('Environment'), []);
});

test("the unit's capabilities suffice: as a plain uid with only them, the agent reads every namespace and says only changes are missing", { timeout: 90_000 }, async (t) => {
  const dir = tempDir(t);
  chmodSync(dir, 0o755);
  chownSync(dir, 65534, 65534);
  // What systemd hands the service: a token file only its (dynamic) user can read.
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'fleet-agent-token-0123456789\n', { mode: 0o400 });
  chownSync(tokenFile, 65534, 65534);
  const caps = (values('AmbientCapabilities')[0] ?? '').split(/\s+/).map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`).join(',');
  const setpriv = ['--reuid=65534', '--regid=65534', '--clear-groups', `--inh-caps=-all,${caps}`, `--ambient-caps=${caps}`, `--bounding-set=-all,${caps}`];
  const agent = spawnChild(t, 'setpriv', [...setpriv, process.execPath, MAIN, '--port', '0', '--read-only', '--token-file', tokenFile, '--audit-log', join(dir, 'audit.jsonl')]);
  let base: string | undefined;
  while (base === undefined) base = /Open: (http:\/\/[^/]+)\//.exec(await agent.nextLine())?.[1];
  const health = (await (await fetch(`${base}/api/health`, { headers: { authorization: 'Bearer fleet-agent-token-0123456789' } })).json()) as { capabilities: Record<string, unknown> };
  assert.deepEqual([health.capabilities.sysPtrace, health.capabilities.sysAdmin, health.capabilities.netRaw], [true, true, true]);
  assert.deepEqual(health.capabilities.missing, [
    'CAP_NET_ADMIN: needed to kill connections and black-hole lab peers',
    'root: needed to change net.ipv4.tcp_keepalive_* sysctls',
  ]);
});
