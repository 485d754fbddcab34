/** GET/PUT /api/settings: the user's middlebox timeout moves a real socket's idle-exceeds-middlebox advisory, audited first. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import type { FastifyInstance } from 'fastify';

import { parseCli } from '../../server/src/cli.js';
import { AUTH, buildApp, labPair, tempDir } from '../helpers/app.js';

type Advisories = { advisories: { code: string; message: string }[] };

/** A lab pair whose outbound end has keepalive idle 400 s: between the default 350 s and 500 s. */
async function idle400(t: TestContext, options: Parameters<typeof buildApp>[1] = {}): Promise<{ fastify: FastifyInstance; connectionId: string }> {
  const fastify = await buildApp(t, options);
  const { connectionId } = await labPair(fastify);
  const res = await fastify.inject({ method: 'PATCH', url: `/api/connections/${connectionId}/keepalive`, headers: AUTH, payload: { enabled: true, idleSec: 400 } });
  assert.equal(res.statusCode, 200, res.body);
  return { fastify, connectionId };
}

const advisories = async (fastify: FastifyInstance, id: string): Promise<Advisories['advisories']> =>
  ((await fastify.inject({ url: `/api/connections/${id}`, headers: AUTH })).json() as { connection: Advisories }).connection.advisories;
const put = (fastify: FastifyInstance, payload: Record<string, unknown>) => fastify.inject({ method: 'PUT', url: '/api/settings', headers: AUTH, payload });

test('idle 400 s: flagged against 350 s; PUT 500 s clears it at once; PUT 300 s flags it with the new number', async (t) => {
  const { fastify, connectionId } = await idle400(t);
  assert.deepEqual((await fastify.inject({ url: '/api/settings', headers: AUTH })).json(), { middleboxTimeoutSec: 350 });
  assert.deepEqual(await advisories(fastify, connectionId), [{ code: 'idle-exceeds-middlebox', message: 'idle 400 s > middlebox 350 s: this flow will be forgotten' }]);
  assert.deepEqual((await put(fastify, { middleboxTimeoutSec: 500 })).json(), { middleboxTimeoutSec: 500 });
  assert.deepEqual(await advisories(fastify, connectionId), []);
  await put(fastify, { middleboxTimeoutSec: 300 });
  assert.match((await advisories(fastify, connectionId))[0]?.message ?? '', /^idle 400 s > middlebox 300 s: /);
});

test('bad input is 400 and changes nothing', async (t) => {
  const { fastify, connectionId } = await idle400(t);
  for (const payload of [{ middleboxTimeoutSec: 0 }, { middleboxTimeoutSec: 86_401 }, { middleboxTimeoutSec: 1.5 }, { middleboxTimeoutSec: '500' }, {}, { middleboxTimeoutSec: 500, other: 1 }]) {
    const res = await put(fastify, payload);
    assert.equal(res.statusCode, 400, JSON.stringify(payload));
    assert.match((res.json() as { code: string }).code, /^KA_ERR_(BAD_REQUEST|OUT_OF_RANGE)$/);
  }
  assert.deepEqual((await fastify.inject({ url: '/api/settings', headers: AUTH })).json(), { middleboxTimeoutSec: 350 });
  assert.equal((await advisories(fastify, connectionId)).length, 1);
});

test('--read-only: PUT is 403 and the timeout stays', async (t) => {
  const fastify = await buildApp(t, { readOnly: true });
  const res = await put(fastify, { middleboxTimeoutSec: 500 });
  assert.equal(res.statusCode, 403);
  assert.equal((res.json() as { code: string }).code, 'KA_ERR_READ_ONLY');
  assert.deepEqual((await fastify.inject({ url: '/api/settings', headers: AUTH })).json(), { middleboxTimeoutSec: 350 });
});

test('a change is in the audit log: intent before, outcome with before → after', async (t) => {
  const auditLogPath = join(tempDir(t), 'audit.jsonl');
  const fastify = await buildApp(t, { auditLogPath });
  await put(fastify, { middleboxTimeoutSec: 600 });
  const records = readFileSync(auditLogPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string; phase: string; before?: unknown; after?: unknown });
  const ours = records.filter((r) => r.type === 'settings');
  assert.deepEqual(ours.map((r) => r.phase), ['intent', 'applied']);
  assert.deepEqual([ours[1]?.before, ours[1]?.after], [{ middleboxTimeoutSec: 350 }, { middleboxTimeoutSec: 600 }]);
});

test('--middlebox-timeout: parsed within 1–86400 s and the app starts with it', async (t) => {
  assert.equal(parseCli(['--middlebox-timeout', '240']).middleboxTimeoutSec, 240);
  assert.equal(parseCli([]).middleboxTimeoutSec, 350);
  assert.throws(() => parseCli(['--middlebox-timeout', '0']), /--middlebox-timeout must be 1–86400 s, got 0/);
  const fastify = await buildApp(t, { middleboxTimeoutSec: 240 });
  assert.deepEqual((await fastify.inject({ url: '/api/settings', headers: AUTH })).json(), { middleboxTimeoutSec: 240 });
});
