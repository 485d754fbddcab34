import assert from 'node:assert/strict';
import { test } from 'node:test';

import Fastify from 'fastify';

import { app } from '@keepalive-dashboard/server';
import { CliError, parseCli } from '@keepalive-dashboard/server/cli';

test('the app serves a page and its health without listening', async (t) => {
  const fastify = Fastify();
  t.after(() => fastify.close());
  await fastify.register(app, { source: 'netlink', intervalMs: 500 });
  const page = await fastify.inject({ url: '/' });
  assert.equal(page.statusCode, 200);
  assert.match(page.headers['content-type'] as string, /text\/html/);
  assert.match(page.body, /keepalive-dashboard/);
  const health = await fastify.inject({ url: '/api/health' });
  assert.deepEqual({ ...(health.json() as object), version: 'x' }, { status: 'ok', version: 'x', source: 'netlink', intervalMs: 500 });
  assert.equal(fastify.server.listening, false);
});

test('the CLI defaults to loopback and rejects bad flags with the bound', () => {
  assert.deepEqual(parseCli([]), { host: '127.0.0.1', port: 7405, source: 'auto', intervalMs: 1000, help: false });
  assert.throws(() => parseCli(['--interval', '50']), CliError);
  assert.throws(() => parseCli(['--port', '70000']), /--port must be 0–65535/);
  assert.throws(() => parseCli(['--source', 'bogus']), /--source must be one of/);
  assert.throws(() => parseCli(['--nope']), CliError);
});
