import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { AUTH, buildApp, labPair, tempDir } from '../helpers/app.js';

test('GET /api/sysctl reads the namespace defaults', async (t) => {
  const fastify = await buildApp(t);
  const body = (await fastify.inject({ url: '/api/sysctl', headers: AUTH })).json() as Record<string, number>;
  assert.equal(body.keepaliveTimeSec, Number(readFileSync('/proc/sys/net/ipv4/tcp_keepalive_time', 'utf8')));
  assert.equal(body.keepaliveProbes, Number(readFileSync('/proc/sys/net/ipv4/tcp_keepalive_probes', 'utf8')));
});

test('PUT /api/sysctl changes the real sysctl, audited, and refuses values outside the bounds', async (t) => {
  const fastify = await buildApp(t);
  const original = Number(readFileSync('/proc/sys/net/ipv4/tcp_keepalive_probes', 'utf8'));
  t.after(() => fastify.ka.sysctl.write({ keepaliveProbes: original }));
  const next = original === 9 ? 10 : 9;
  const res = await fastify.inject({ method: 'PUT', url: '/api/sysctl', headers: AUTH, payload: { keepaliveProbes: next } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(Number(readFileSync('/proc/sys/net/ipv4/tcp_keepalive_probes', 'utf8')), next);
  assert.deepEqual((res.json() as { before: { keepaliveProbes: number } }).before.keepaliveProbes, original);
  for (const [payload, message] of [
    [{ keepaliveProbes: 0 }, /keepaliveProbes must be 1–127, got 0/],
    [{ keepaliveTimeSec: 32768 }, /keepaliveTimeSec must be 1–32767, got 32768/],
    [{ keepaliveIntvlSec: 'x' }, /keepaliveIntvlSec/],
    [{ bogus: 1 }, /bogus|additional/i],
    [{}, /at least|minProperties|property/i],
  ] as const) {
    const bad = await fastify.inject({ method: 'PUT', url: '/api/sysctl', headers: AUTH, payload });
    assert.equal(bad.statusCode, 400, JSON.stringify(payload));
    assert.match((bad.json() as { message: string }).message, message);
  }
  const events = (await fastify.inject({ url: '/api/events', headers: AUTH })).json() as { events: { type: string }[] };
  assert.equal(events.events[0]?.type, 'sysctl');
});

test('the audit log survives an app restart and pages newest first', async (t) => {
  const auditLogPath = join(tempDir(t), 'audit.jsonl');
  const first = await buildApp(t, { auditLogPath });
  const { connectionId } = await labPair(first);
  await first.inject({ method: 'PATCH', url: `/api/connections/${connectionId}/keepalive`, headers: AUTH, payload: { idleSec: 31 } });
  await first.close();
  const second = await buildApp(t, { auditLogPath });
  const { connectionId: again } = await labPair(second);
  await second.inject({ method: 'PATCH', url: `/api/connections/${again}/keepalive`, headers: AUTH, payload: { idleSec: 32 } });
  const page = (await second.inject({ url: '/api/events?limit=100', headers: AUTH })).json() as { events: { seq: number; type: string; after?: { idleSec: number } }[] };
  const retunes = page.events.filter((e) => e.type === 'retuned');
  assert.deepEqual(retunes.map((e) => e.after?.idleSec), [32, 31], 'both runs, newest first');
  const seqs = page.events.map((e) => e.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a));
  assert.equal(new Set(seqs).size, seqs.length, 'sequence numbers continue, never repeat');
  const older = (await second.inject({ url: `/api/events?limit=1&before=${seqs[0]}`, headers: AUTH })).json() as { events: { seq: number }[] };
  assert.equal(older.events[0]?.seq, seqs[1]);
});

test('an unwritable audit log: the server starts, says so, and refuses changes', async (t) => {
  const dir = join(tempDir(t), 'locked');
  mkdirSync(dir);
  chmodSync(dir, 0o500);
  // root ignores directory permissions, so point the log at a directory instead: open(2) fails with EISDIR.
  const fastify = await buildApp(t, { auditLogPath: dir });
  const health = (await fastify.inject({ url: '/api/health', headers: AUTH })).json() as { auditLog: { writable: boolean; error: string } };
  assert.equal(health.auditLog.writable, false);
  assert.match(health.auditLog.error, /EISDIR/);
  const res = await fastify.inject({ method: 'POST', url: '/api/lab/listeners', headers: AUTH, payload: { port: 0 } });
  assert.equal(res.statusCode, 503);
  assert.equal((res.json() as { code: string }).code, 'KA_ERR_AUDIT_UNAVAILABLE');
});

test('/metrics exposes connections, keepalive, probing, collection time; needs the token unless public', async (t) => {
  const fastify = await buildApp(t);
  await fastify.ka.store.collect();
  assert.equal((await fastify.inject({ url: '/metrics' })).statusCode, 401);
  const res = await fastify.inject({ url: '/metrics', headers: AUTH });
  assert.equal(res.statusCode, 200);
  for (const name of ['keepalive_connections', 'keepalive_connections_keepalive', 'keepalive_connections_probing', 'keepalive_probes_outstanding', 'keepalive_deaths_total', 'keepalive_collection_duration_seconds', 'keepalive_websocket_clients']) {
    assert.match(res.body, new RegExp(`^# TYPE ${name} `, 'm'), name);
  }
  assert.match(res.body, /keepalive_collection_duration_seconds_count\{source="netlink"\} [1-9]/);
  const open = await buildApp(t, { metricsPublic: true });
  assert.equal((await open.inject({ url: '/metrics' })).statusCode, 200);
});

test('health names the source, the capabilities and what is missing', async (t) => {
  const fastify = await buildApp(t);
  const health = (await fastify.inject({ url: '/api/health', headers: AUTH })).json() as { capabilities: { native: boolean; netAdmin: boolean; missing: string[] }; source: string; version: string };
  assert.equal(health.source, 'netlink');
  assert.equal(health.capabilities.native, true);
  assert.equal(typeof health.capabilities.netAdmin, 'boolean');
  assert.ok(Array.isArray(health.capabilities.missing));
  assert.match(health.version, /^\d+\.\d+\.\d+/);
});
