import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CliError, parseCli } from '@keepalive-dashboard/server/cli';

import { AUTH, buildApp } from '../helpers/app.js';

test('the app serves a page and its health without listening', async (t) => {
  const fastify = await buildApp(t, { intervalMs: 500 });
  const page = await fastify.inject({ url: '/' });
  assert.equal(page.statusCode, 200);
  assert.match(page.headers['content-type'] as string, /text\/html/);
  assert.match(page.body, /keepalive-dashboard/);
  const health = (await fastify.inject({ url: '/api/health', headers: AUTH })).json() as Record<string, unknown>;
  assert.equal(health.source, 'netlink');
  assert.equal(health.intervalMs, 500);
  assert.equal(fastify.server.listening, false);
});

test('the CLI defaults to loopback and rejects bad flags with the bound', () => {
  const options = parseCli([]);
  assert.equal(options.host, '127.0.0.1');
  assert.equal(options.port, 7405);
  assert.equal(options.source, 'auto');
  assert.equal(options.intervalMs, 1000);
  assert.equal(options.readOnly, false);
  assert.throws(() => parseCli(['--interval', '50']), /--interval must be an integer ≥ 100 ms, got 50/);
  assert.throws(() => parseCli(['--port', '70000']), /--port must be 0–65535/);
  assert.throws(() => parseCli(['--source', 'bogus']), /--source must be one of/);
  assert.throws(() => parseCli(['--nope']), CliError);
  assert.equal(options.streamStallMs, 30_000);
  assert.equal(parseCli(['--stream-stall-ms', '5000']).streamStallMs, 5000);
  assert.throws(() => parseCli(['--stream-stall-ms', '10']), /--stream-stall-ms must be an integer ≥ 1000, got 10/);
  assert.deepEqual(parseCli(['--allowed-host', 'dash.internal', '--allowed-host', '[::1]']).allowedHosts, ['dash.internal', '::1']);
  assert.throws(() => parseCli(['--allowed-host', 'evil/x']), /--allowed-host takes a host name/);
  assert.equal(parseCli(['--read-only', '--token', 'abcdefgh12']).token, 'abcdefgh12');
});
