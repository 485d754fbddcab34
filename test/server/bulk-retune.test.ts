/** POST /api/connections/keepalive: a dry run changes nothing; applying retunes each socket audited write-ahead under one bulk id; bounds refuse the whole request. */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import type { FastifyInstance } from 'fastify';

import { getKeepalive } from '@keepalive-dashboard/native';
import type { BulkRetuneResult, DashboardEvent } from '@keepalive-dashboard/shared';

import { AUTH, buildApp, labPair, tempDir } from '../helpers/app.js';
import { openPair, timeWaitPair } from '../helpers/loopback.js';

const bulk = (fastify: FastifyInstance, payload: object) => fastify.inject({ method: 'POST', url: '/api/connections/keepalive', headers: AUTH, payload });
const retunedRecords = (fastify: FastifyInstance): DashboardEvent[] =>
  readFileSync(fastify.ka.audit.path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as DashboardEvent).filter((e) => e.type === 'retuned');

test('a dry run lists before → after, refuses TIME_WAIT and unknown ids with the reason, and changes nothing', async (t) => {
  const fastify = await buildApp(t);
  const { connectionId } = await labPair(fastify);
  const pair = await timeWaitPair(t);
  await fastify.ka.store.collect();
  const waiting = fastify.ka.store.snapshot().connections.find((v) => v.state === 'TIME_WAIT' && (v.local.port === pair.port || v.peer.port === pair.port));
  assert.ok(waiting, 'the closed pair left a TIME_WAIT');
  const before = fastify.ka.store.get(connectionId)?.keepalive;
  assert.ok(before);
  const res = await bulk(fastify, { ids: [connectionId, waiting.id, 'no-such-id'], patch: { enabled: true, idleSec: 61 }, dryRun: true });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json() as BulkRetuneResult;
  assert.equal(body.bulkId, null);
  assert.deepEqual(body.items.map((i) => [i.outcome, i.error?.code ?? null]), [['would-apply', null], ['refused', 'KA_ERR_NOT_APPLICABLE'], ['refused', 'KA_ERR_NOT_FOUND']]);
  assert.deepEqual(body.items[0]?.before, before);
  assert.deepEqual(body.items[0]?.after, { ...before, enabled: true, idleSec: 61 });
  await fastify.ka.store.refresh([connectionId]);
  assert.deepEqual(fastify.ka.store.get(connectionId)?.keepalive, before, 'the kernel holds what it held');
  assert.deepEqual(retunedRecords(fastify), []);
});

test('applying by filter retunes each socket, read back, each audited intent-first under one bulk id', async (t) => {
  const fastify = await buildApp(t);
  const { port } = await labPair(fastify);
  const res = await bulk(fastify, { filter: { port, state: 'established' }, patch: { enabled: true, idleSec: 61, count: 4 }, dryRun: false });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json() as BulkRetuneResult;
  assert.equal(body.matched, 2, 'both ends of the lab pair');
  assert.match(body.bulkId ?? '', /^bulk-/);
  for (const item of body.items) {
    assert.equal(item.outcome, 'applied', JSON.stringify(item.error));
    assert.deepEqual([item.after?.enabled, item.after?.idleSec, item.after?.count], [true, 61, 4]);
    assert.equal(fastify.ka.store.get(item.id)?.keepalive?.idleSec, 61, 'the store read it back');
    const records = retunedRecords(fastify).filter((e) => e.connectionId === item.id);
    assert.deepEqual(records.map((e) => e.phase), ['intent', 'applied']);
    assert.equal(records[1]?.intentSeq, records[0]?.seq);
    assert.deepEqual(records.map((e) => e.detail?.bulkId), [body.bulkId, body.bulkId]);
  }
});

test('over 1,000 sockets: 413 with the count, nothing applied', async (t) => {
  const fastify = await buildApp(t);
  const { connectionId } = await labPair(fastify);
  const idle = fastify.ka.store.get(connectionId)?.keepalive?.idleSec;
  const ids = [connectionId, ...Array.from({ length: 1000 }, (_, i) => `fake-${i}`)];
  const res = await bulk(fastify, { ids, patch: { idleSec: 61 }, dryRun: false });
  assert.equal(res.statusCode, 413);
  assert.deepEqual([(res.json() as { code: string }).code, /1001 sockets/.test(res.body)], ['KA_ERR_PAYLOAD_TOO_LARGE', true]);
  await fastify.ka.store.refresh([connectionId]);
  assert.equal(fastify.ka.store.get(connectionId)?.keepalive?.idleSec, idle);
  assert.deepEqual(retunedRecords(fastify), []);
});

test('bad input is 400, read-only 403, an unwritable audit log 503: the socket keeps its settings', async (t) => {
  const pair = await openPair(t);
  const idle = getKeepalive(pair.client).idleSec;
  const idOf = async (fastify: FastifyInstance): Promise<string> => {
    await fastify.ka.store.collect();
    const view = fastify.ka.store.snapshot().connections.find((v) => v.state === 'ESTABLISHED' && v.local.port === pair.client.localPort);
    assert.ok(view);
    return view.id;
  };
  const writable = await buildApp(t);
  const id = await idOf(writable);
  for (const [payload, message] of [
    [{ ids: [id], patch: { idleSec: 0 }, dryRun: false }, /idle must be 1–32767 s, got 0/],
    [{ ids: [id], filter: {}, patch: { idleSec: 61 }, dryRun: false }, /either ids or filter/],
    [{ filter: { advisory: 'risky' }, patch: { idleSec: 61 }, dryRun: false }, /advisory: /],
  ] as const) {
    const res = await bulk(writable, payload);
    assert.deepEqual([res.statusCode, message.test(res.body)], [400, true], res.body);
  }
  const readOnly = await buildApp(t, { readOnly: true });
  assert.equal((await bulk(readOnly, { ids: [await idOf(readOnly)], patch: { idleSec: 61 }, dryRun: false })).statusCode, 403);
  const dir = join(tempDir(t), 'not-a-file');
  mkdirSync(dir);
  const unaudited = await buildApp(t, { auditLogPath: dir });
  const refused = await bulk(unaudited, { ids: [await idOf(unaudited)], patch: { idleSec: 61 }, dryRun: false });
  assert.deepEqual([refused.statusCode, (refused.json() as { code: string }).code], [503, 'KA_ERR_AUDIT_UNAVAILABLE']);
  assert.equal(getKeepalive(pair.client).idleSec, idle);
});

test("another process's socket (pidfd_getfd) is retuned by the bulk path too: the kernel holds the patch", async (t) => {
  const fastify = await buildApp(t);
  const pair = await openPair(t);
  await fastify.ka.store.collect();
  const res = await bulk(fastify, { filter: { port: pair.port, state: 'established', owned: false }, patch: { enabled: true, idleSec: 62 }, dryRun: false });
  const body = res.json() as BulkRetuneResult;
  assert.deepEqual(body.items.map((i) => i.outcome), ['applied', 'applied'], res.body);
  assert.deepEqual([getKeepalive(pair.client).idleSec, getKeepalive(pair.accepted).idleSec], [62, 62]);
});
