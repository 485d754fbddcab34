import assert from 'node:assert/strict';
import { test } from 'node:test';

import { AUTH, buildApp } from '../helpers/app.js';

test('a lab listener on port 0 says which port it got; its accepted sockets inherit its keepalive', async (t) => {
  const fastify = await buildApp(t);
  const res = await fastify.inject({ method: 'POST', url: '/api/lab/listeners', headers: AUTH, payload: { port: 0 } });
  assert.equal(res.statusCode, 201);
  const listener = res.json() as { id: string; connectionId: string; local: { port: number } };
  assert.ok(listener.local.port > 0);
  const patch = await fastify.inject({ method: 'PATCH', url: `/api/connections/${listener.connectionId}/keepalive`, headers: AUTH, payload: { enabled: true, idleSec: 123, intervalSec: 7, count: 4 } });
  assert.equal(patch.statusCode, 200, patch.body);
  const conn = (await fastify.inject({ method: 'POST', url: '/api/lab/connections', headers: AUTH, payload: { host: 'localhost', port: listener.local.port } })).json() as { local: { port: number } };
  const accepted = fastify.ka.store.snapshot().connections.find((v) => v.state === 'ESTABLISHED' && v.peer.port === conn.local.port);
  assert.ok(accepted, 'the accepted socket is listed');
  assert.equal(accepted.ownership, 'owned');
  assert.deepEqual(accepted.keepalive, { enabled: true, idleSec: 123, intervalSec: 7, count: 4, userTimeoutMs: 0 });
  const lab = (await fastify.inject({ url: '/api/lab', headers: AUTH })).json() as { entries: { kind: string; listenerId: string | null }[] };
  assert.deepEqual(lab.entries.map((e) => e.kind).sort(), ['accepted', 'listener', 'outbound']);
  assert.equal(lab.entries.find((e) => e.kind === 'accepted')?.listenerId, listener.id);
});

test('lab connections go to loopback only, and bad input is refused clearly', async (t) => {
  const fastify = await buildApp(t);
  const cases: [object, number, RegExp][] = [
    [{ host: '192.0.2.1', port: 80 }, 403, /loopback only.*--lab-any-address/],
    [{ host: 'example.com', port: 80 }, 400, /IP address or localhost/],
    [{ host: '127.0.0.1', port: 0 }, 400, /port/],
    [{ host: '127.0.0.1', port: 70000 }, 400, /port/],
    [{ host: '127.0.0.1' }, 400, /port/],
    [{ host: '127.0.0.1', port: 1, extra: true }, 400, /extra|additional/i],
  ];
  for (const [payload, status, message] of cases) {
    const res = await fastify.inject({ method: 'POST', url: '/api/lab/connections', headers: AUTH, payload });
    assert.equal(res.statusCode, status, `${JSON.stringify(payload)} → ${res.body}`);
    assert.match((res.json() as { message: string }).message, message);
  }
  const refused = await fastify.inject({ method: 'POST', url: '/api/lab/connections', headers: AUTH, payload: { host: '127.0.0.1', port: 1 } });
  assert.equal(refused.statusCode, 409);
  assert.match((refused.json() as { message: string }).message, /ECONNREFUSED/);
  const missing = await fastify.inject({ method: 'DELETE', url: '/api/lab/lab-999', headers: AUTH });
  assert.equal(missing.statusCode, 404);
});

test('--read-only turns every mutation into 403 and leaves reads alone', async (t) => {
  const fastify = await buildApp(t, { readOnly: true });
  const mutations: [string, string, object?][] = [
    ['POST', '/api/lab/listeners', { port: 0 }],
    ['POST', '/api/lab/connections', { host: '127.0.0.1', port: 1 }],
    ['PUT', '/api/sysctl', { keepaliveProbes: 9 }],
    ['DELETE', '/api/lab/lab-1'],
  ];
  for (const [method, url, payload] of mutations) {
    const res = await fastify.inject({ method: method as 'POST', url, headers: AUTH, ...(payload ? { payload } : {}) });
    assert.equal(res.statusCode, 403, `${method} ${url}`);
    assert.equal((res.json() as { code: string }).code, 'KA_ERR_READ_ONLY');
  }
  const view = fastify.ka.store.snapshot().connections.find((v) => v.state === 'ESTABLISHED' || v.state === 'LISTEN');
  if (view) {
    const patch = await fastify.inject({ method: 'PATCH', url: `/api/connections/${view.id}/keepalive`, headers: AUTH, payload: { idleSec: 10 } });
    assert.equal(patch.statusCode, 403);
  }
  assert.equal((await fastify.inject({ url: '/api/connections', headers: AUTH })).statusCode, 200);
  assert.equal(((await fastify.inject({ url: '/api/health', headers: AUTH })).json() as { readOnly: boolean }).readOnly, true);
});
