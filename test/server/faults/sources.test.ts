import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { SOURCE_FACTORIES } from '@keepalive-dashboard/server/sources/index';
import type { Source } from '@keepalive-dashboard/server/sources/types';

import { AUTH, buildApp, tempDir } from '../../helpers/app.js';
import { CLI_TOKEN, runCli } from './server-process.js';

/** A netlink source whose dump always fails: a fault that cannot be caused for real here. */
const brokenNetlink = (): Source => ({ name: 'netlink', collect: () => Promise.reject(new Error('injected: NETLINK_SOCK_DIAG dump failed (EPERM)')) });

test('--source ss without ss in PATH: exits non-zero naming the Debian package iproute2', async (t) => {
  const dir = tempDir(t, 'ka-nopath-');
  symlinkSync(process.execPath, join(dir, 'node')); // PATH holds node and nothing else
  const run = await runCli(t, ['--source', 'ss', '--port', '0', '--token', CLI_TOKEN, '--audit-log', join(dir, 'audit.jsonl')], {
    env: { PATH: dir, HOME: dir },
  });
  assert.notEqual(run.code, 0, run.stdout);
  assert.match(run.stderr, /ss not found in PATH/);
  assert.match(run.stderr, /install the Debian package iproute2/);
  assert.doesNotMatch(run.stdout, /Open: http/, 'it never served');
});

test('--source auto with a failing netlink falls back to ss, says why in /api/health, and logs it', async (t) => {
  const logs: string[] = [];
  const fastify = await buildApp(t, { source: 'auto', sourceFactories: { ...SOURCE_FACTORIES, netlink: brokenNetlink }, log: (m) => logs.push(m) });
  const health = (await fastify.inject({ url: '/api/health', headers: AUTH })).json() as { source: string; requestedSource: string; fallbacks: { source: string; reason: string }[] };
  assert.equal(health.source, 'ss');
  assert.equal(health.requestedSource, 'auto');
  assert.deepEqual(health.fallbacks, [{ source: 'netlink', reason: 'injected: NETLINK_SOCK_DIAG dump failed (EPERM)' }]);
  assert.ok(logs.some((m) => /source netlink unavailable: injected: NETLINK_SOCK_DIAG dump failed/.test(m)), logs.join('\n'));
  const list = await fastify.inject({ url: '/api/connections?limit=1', headers: AUTH });
  assert.equal(list.statusCode, 200, 'the fallback source serves the table');
});

test('every source failing: the app refuses to start and names each reason', async (t) => {
  const broken = (name: Source['name']) => (): Source => ({ name, collect: () => Promise.reject(new Error(`${name} injected failure`)) });
  const factories = { netlink: broken('netlink'), ss: broken('ss'), proc: broken('proc'), netstat: broken('netstat') };
  await assert.rejects(buildApp(t, { source: 'auto', sourceFactories: factories }), /no source works on this host: netlink: netlink injected failure; ss: ss injected failure; proc: .*; netstat: /);
});

test('a source that starts failing mid-run: logged, the API keeps answering, lab calls never 500', async (t) => {
  let calls = 0;
  const flaky = (): Source => {
    const real = SOURCE_FACTORIES.netlink();
    return { name: 'netlink', collect: () => (++calls <= 1 ? real.collect() : Promise.reject(new Error('injected: dump failed mid-run'))) };
  };
  const logs: string[] = [];
  const fastify = await buildApp(t, { sourceFactories: { ...SOURCE_FACTORIES, netlink: flaky }, collect: true, intervalMs: 100, log: (m) => logs.push(m) });
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.ok(logs.some((m) => /collection failed: injected: dump failed mid-run/.test(m)), logs.join('\n'));
  assert.equal((await fastify.inject({ url: '/api/health', headers: AUTH })).statusCode, 200);
  assert.equal((await fastify.inject({ url: '/api/connections', headers: AUTH })).statusCode, 200);
  const listener = await fastify.inject({ method: 'POST', url: '/api/lab/listeners', headers: AUTH, payload: { port: 0 } });
  assert.equal(listener.statusCode, 201, listener.body);
  assert.equal((listener.json() as { connectionId: string | null }).connectionId, null, 'not in the table yet: nothing could be collected');
  assert.equal(fastify.ka.lab.list().length, 1);
});
