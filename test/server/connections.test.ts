import assert from 'node:assert/strict';
import { test } from 'node:test';

import { AUTH, buildApp, labPair } from '../helpers/app.js';

test('a lab connection is listed, owned, with keepalive read back', async (t) => {
  const fastify = await buildApp(t);
  const { connectionId, labId, port } = await labPair(fastify);
  const list = (await fastify.inject({ url: `/api/connections?port=${port}&state=ESTABLISHED`, headers: AUTH })).json() as { total: number; connections: { id: string; ownership: string }[] };
  assert.equal(list.total, 2, 'both ends of the pair');
  assert.ok(list.connections.every((c) => c.ownership === 'owned'));
  const one = (await fastify.inject({ url: `/api/connections/${connectionId}`, headers: AUTH })).json() as { connection: Record<string, unknown>; tcpInfo: Record<string, unknown> };
  assert.equal(one.connection.labId, labId);
  assert.equal(one.connection.keepaliveOrigin, 'owned');
  const holders = one.connection.holders as { pid: number; fd: number; comm: string }[];
  assert.equal(holders.length, 1);
  assert.equal(holders[0]?.pid, process.pid);
  assert.ok((holders[0]?.fd ?? -1) >= 0);
  assert.equal(one.tcpInfo.state, 'ESTABLISHED');
});

test('PATCH retunes an owned socket and returns before and after', async (t) => {
  const fastify = await buildApp(t);
  const { connectionId } = await labPair(fastify);
  const res = await fastify.inject({ method: 'PATCH', url: `/api/connections/${connectionId}/keepalive`, headers: AUTH, payload: { enabled: true, idleSec: 42, count: 3 } });
  assert.equal(res.statusCode, 200, res.body);
  const { before, after } = res.json() as { before: Record<string, unknown>; after: Record<string, unknown> };
  assert.equal(before.enabled, false);
  assert.deepEqual({ ...after }, { enabled: true, idleSec: 42, intervalSec: before.intervalSec, count: 3, userTimeoutMs: 0 });
  await fastify.ka.store.collect();
  const view = fastify.ka.store.get(connectionId);
  assert.equal(view?.timer.kind, 'keepalive');
  assert.equal(view?.derived?.phase, 'idle');
});

test('bad keepalive input: each bound ±1, wrong types, extra fields', async (t) => {
  const fastify = await buildApp(t);
  const { connectionId } = await labPair(fastify);
  const cases: [unknown, number, string, RegExp][] = [
    [{ idleSec: 0 }, 400, 'KA_ERR_OUT_OF_RANGE', /idle must be 1–32767 s, got 0/],
    [{ idleSec: 32768 }, 400, 'KA_ERR_OUT_OF_RANGE', /idle must be 1–32767 s, got 32768/],
    [{ intervalSec: 0 }, 400, 'KA_ERR_OUT_OF_RANGE', /interval must be 1–32767 s/],
    [{ count: 128 }, 400, 'KA_ERR_OUT_OF_RANGE', /count must be 1–127, got 128/],
    [{ userTimeoutMs: -1 }, 400, 'KA_ERR_OUT_OF_RANGE', /user timeout must be 0–2147483647 ms/],
    [{ idleSec: 1.5 }, 400, 'KA_ERR_OUT_OF_RANGE', /integer/],
    [{ idleSec: '10' }, 400, 'KA_ERR_BAD_REQUEST', /idle must be an integer/],
    [{ enabled: 'yes' }, 400, 'KA_ERR_BAD_REQUEST', /enabled must be a boolean/],
    [{ idleSec: 10, extra: 1 }, 400, 'KA_ERR_BAD_REQUEST', /unknown keepalive field "extra"/],
    [{}, 400, 'KA_ERR_BAD_REQUEST', /at least one/],
    [[1, 2], 400, 'KA_ERR_BAD_REQUEST', /must be an object/],
  ];
  for (const [payload, status, code, message] of cases) {
    const res = await fastify.inject({ method: 'PATCH', url: `/api/connections/${connectionId}/keepalive`, headers: AUTH, payload: payload as object });
    assert.equal(res.statusCode, status, `${JSON.stringify(payload)} → ${res.body}`);
    const body = res.json() as { code: string; message: string };
    assert.equal(body.code, code, JSON.stringify(payload));
    assert.match(body.message, message);
  }
  const broken = await fastify.inject({ method: 'PATCH', url: `/api/connections/${connectionId}/keepalive`, headers: { ...AUTH, 'content-type': 'application/json' }, payload: '{"idleSec":' });
  assert.equal(broken.statusCode, 400);
  assert.equal((broken.json() as { code: string }).code, 'KA_ERR_BAD_REQUEST');
});

test('unknown ids are 404; a socket gone between listing and PATCH is 404, not 500', async (t) => {
  const fastify = await buildApp(t);
  const missing = await fastify.inject({ method: 'PATCH', url: '/api/connections/ffffffffffffffff/keepalive', headers: AUTH, payload: { idleSec: 10 } });
  assert.equal(missing.statusCode, 404);
  assert.equal((missing.json() as { code: string }).code, 'KA_ERR_NOT_FOUND');
  const { connectionId, labId } = await labPair(fastify);
  fastify.ka.lab.close(labId); // gone, but the store has not collected since
  const gone = await fastify.inject({ method: 'PATCH', url: `/api/connections/${connectionId}/keepalive`, headers: AUTH, payload: { idleSec: 10 } });
  assert.equal(gone.statusCode, 404, gone.body);
  assert.equal((gone.json() as { code: string }).code, 'KA_ERR_SOCKET_GONE');
});

test('keepalive on TIME_WAIT is 409; on a LISTEN socket it is allowed', async (t) => {
  const fastify = await buildApp(t);
  const { connectionId, labId, port } = await labPair(fastify);
  void connectionId;
  fastify.ka.lab.close(labId); // we close first: our side goes to TIME_WAIT
  await new Promise((resolve) => setTimeout(resolve, 100));
  await fastify.ka.store.collect();
  const tw = fastify.ka.store.snapshot().connections.find((v) => v.state === 'TIME_WAIT' && v.peer.port === port);
  assert.ok(tw, 'a TIME_WAIT socket for the pair');
  const res = await fastify.inject({ method: 'PATCH', url: `/api/connections/${tw.id}/keepalive`, headers: AUTH, payload: { idleSec: 10 } });
  assert.equal(res.statusCode, 409);
  assert.equal((res.json() as { code: string }).code, 'KA_ERR_NOT_APPLICABLE');
  const listener = fastify.ka.store.snapshot().connections.find((v) => v.state === 'LISTEN' && v.local.port === port);
  assert.ok(listener);
  const ok = await fastify.inject({ method: 'PATCH', url: `/api/connections/${listener.id}/keepalive`, headers: AUTH, payload: { enabled: true, idleSec: 77 } });
  assert.equal(ok.statusCode, 200, ok.body);
});

test('DELETE kills a connection; its owner sees ECONNABORTED', async (t) => {
  const fastify = await buildApp(t);
  const { connectionId, labId } = await labPair(fastify);
  const closed = new Promise((resolve) => fastify.ka.lab.once('closed', resolve));
  const res = await fastify.inject({ method: 'DELETE', url: `/api/connections/${connectionId}`, headers: AUTH });
  assert.equal(res.statusCode, 200, res.body);
  const entry = (await closed) as { id: string; closeCode: string | null };
  assert.equal(entry.id, labId);
  assert.equal(entry.closeCode, 'ECONNABORTED');
});

test('filters: bad values are 400 naming the filter', async (t) => {
  const fastify = await buildApp(t);
  for (const [query, message] of [
    ['port=abc', /port must be a non-negative integer/],
    ['probing=maybe', /probing must be true or false/],
    ['keepalive=sometimes', /keepalive/],
    ['bogus=1', /unknown filter "bogus"/],
  ] as const) {
    const res = await fastify.inject({ url: `/api/connections?${query}`, headers: AUTH });
    assert.equal(res.statusCode, 400, query);
    assert.match((res.json() as { message: string }).message, message);
  }
});

test('POST /api/parse reads a capture with the sources’ parsers, also when read-only', async (t) => {
  const fastify = await buildApp(t, { readOnly: true });
  const text = 'State Recv-Q Send-Q Local Address:Port Peer Address:Port\nESTAB 0 0 127.0.0.1:22 127.0.0.1:5555 timer:(keepalive,1min59sec,0) ino:123 sk:1a <->\nnonsense\n';
  const res = await fastify.inject({ method: 'POST', url: '/api/parse', headers: AUTH, payload: { format: 'ss', text } });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json() as { connections: { id: string; timer: { remainingMs: number } }[]; issues: { line: number }[] };
  assert.equal(body.connections[0]?.id, '000000000000001a');
  assert.equal(body.connections[0]?.timer.remainingMs, 119_000);
  assert.deepEqual(body.issues.map((i) => i.line), [3]);
  const bad = await fastify.inject({ method: 'POST', url: '/api/parse', headers: AUTH, payload: { format: 'pcap', text } });
  assert.equal(bad.statusCode, 400);
});
