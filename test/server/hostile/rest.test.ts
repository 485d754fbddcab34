import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';

import { KeepalivePatchSchema, SysctlPatchSchema } from '@keepalive-dashboard/shared';

import { AUTH, buildApp, labPair, tempDir } from '../../helpers/app.js';
import { assertClientError, assertNoPollution, contentType, heapUsedAfterGc, hostileBodyText, hostileKey, hostileValue, nextClient } from './hostile.js';

const RUNS = 60;
const SYSCTL_FILES = { tcp_keepalive_time: '7200', tcp_keepalive_intvl: '75', tcp_keepalive_probes: '9' };
// The lab routes' own schemas, restated: a body they accept is never sent (it would open sockets).
const LAB_BODIES: Record<string, TSchema> = {
  connection: Type.Object({ host: Type.String({ minLength: 1, maxLength: 255 }), port: Type.Integer({ minimum: 1, maximum: 65535 }) }, { additionalProperties: false }),
  listener: Type.Object({ port: Type.Integer({ minimum: 0, maximum: 65535 }), host: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }, { additionalProperties: false }),
  blackhole: Type.Object({ on: Type.Boolean() }, { additionalProperties: false }),
};

/** The body as the server will see it, or undefined when it will not get that far (not JSON, not a JSON content type). */
function parsed(text: string, type: string): unknown {
  // Fastify reads any application/json body as UTF-8, whatever charset it claims.
  if (type.split(';')[0] !== 'application/json') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function send(fastify: FastifyInstance, method: string, url: string, text: string, type: string) {
  return fastify.inject({ method: method as 'POST', url, headers: { ...AUTH, 'content-type': type }, payload: text, remoteAddress: nextClient() });
}

/** A fake /proc/sys/net/ipv4, so a body the property test gets right writes nothing real. */
function fakeSysctlDir(t: TestContext): string {
  const dir = join(tempDir(t), 'ipv4');
  mkdirSync(dir);
  for (const [name, value] of Object.entries(SYSCTL_FILES)) writeFileSync(join(dir, name), `${value}\n`);
  return dir;
}

const fakeSysctl = (dir: string) => ({
  keepaliveTimeSec: Number(readFileSync(join(dir, 'tcp_keepalive_time'), 'utf8')),
  keepaliveIntvlSec: Number(readFileSync(join(dir, 'tcp_keepalive_intvl'), 'utf8')),
  keepaliveProbes: Number(readFileSync(join(dir, 'tcp_keepalive_probes'), 'utf8')),
});

test('hostile bodies: PATCH keepalive and PUT sysctl are 200 exactly when valid, else 4xx {code, message}', async (t) => {
  const sysctlDir = fakeSysctlDir(t);
  const fastify = await buildApp(t, { sysctlDir });
  const { connectionId } = await labPair(fastify);
  let lastSysctl: unknown = fakeSysctl(sysctlDir);
  const heapBefore = heapUsedAfterGc();
  const routes: [string, string, TSchema, string[]][] = [
    ['PATCH', `/api/connections/${connectionId}/keepalive`, KeepalivePatchSchema, ['enabled', 'idleSec', 'intervalSec', 'count', 'userTimeoutMs']],
    ['PUT', '/api/sysctl', SysctlPatchSchema, ['keepaliveTimeSec', 'keepaliveIntvlSec', 'keepaliveProbes']],
  ];
  for (const [method, url, schema, keys] of routes) {
    await fc.assert(
      fc.asyncProperty(hostileBodyText(keys), contentType, async (text, type) => {
        const res = await send(fastify, method, url, text, type);
        const body = parsed(text, type);
        const valid = body !== undefined && Value.Check(schema, body);
        if (valid) {
          assert.equal(res.statusCode, 200, `${method} ${text.slice(0, 200)} → ${res.body.slice(0, 300)}`);
          if (method === 'PUT') lastSysctl = (res.json() as { after: unknown }).after;
        } else assertClientError(res, `${method} ${url} ${type} ${text.slice(0, 200)}`);
      }),
      { numRuns: RUNS },
    );
  }
  assertNoPollution();
  assert.deepEqual(fakeSysctl(sysctlDir), lastSysctl, 'every accepted PUT went to the fake sysctl files, not /proc');
  assert.ok(heapUsedAfterGc() - heapBefore < 48 * 1024 * 1024, 'heap bounded');
  assert.equal((await fastify.inject({ url: '/api/health', headers: AUTH })).statusCode, 200);
});

test('hostile bodies: the lab routes refuse every invalid body with 4xx {code, message} and open nothing', async (t) => {
  const fastify = await buildApp(t);
  const { labId } = await labPair(fastify);
  const opened = fastify.ka.lab.list().length;
  const routes: [string, TSchema, string[]][] = [
    ['/api/lab/connections', LAB_BODIES.connection as TSchema, ['host', 'port']],
    ['/api/lab/listeners', LAB_BODIES.listener as TSchema, ['host', 'port']],
    [`/api/lab/connections/${labId}/blackhole`, LAB_BODIES.blackhole as TSchema, ['on']],
  ];
  for (const [url, schema, keys] of routes) {
    await fc.assert(
      fc.asyncProperty(hostileBodyText(keys), contentType, async (text, type) => {
        const body = parsed(text, type);
        fc.pre(body === undefined || !Value.Check(schema, body)); // invalid bodies only
        assertClientError(await send(fastify, 'POST', url, text, type), `POST ${url} ${type} ${text.slice(0, 200)}`);
      }),
      { numRuns: RUNS },
    );
  }
  assert.equal(fastify.ka.lab.list().length, opened, 'no lab object opened');
  assert.equal(fastify.ka.blackholes.isOn(labId), false, 'no black hole');
  assertNoPollution();
});

/** A query string: hostile keys and values, repeated keys, raw text that is not even well-encoded. */
const hostileQuery = (keys: string[]): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .array(fc.tuple(fc.oneof(fc.constantFrom(...keys), hostileKey), hostileValue.map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? ''))), { maxLength: 4 })
        .map((pairs) => new URLSearchParams(pairs).toString()),
    },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%00', 'a[b]=c', '__proto__[polluted]=1', 'constructor[prototype][polluted]=1', 'limit=-1', 'limit=1e3', 'limit=99999999999999', 'offset=1.5', 'before=0x10', '&&&=', `address=${'a'.repeat(60_000)}`) },
  );

test('hostile queries and ids: GET connections and events answer 200 or 4xx {code, message}; unknown ids 404', async (t) => {
  const fastify = await buildApp(t);
  await fastify.ka.store.collect();
  const heapBefore = heapUsedAfterGc();
  const queries: [string, string[]][] = [
    ['/api/connections', ['state', 'port', 'address', 'pid', 'command', 'keepalive', 'probing', 'owned', 'limit', 'offset']],
    ['/api/events', ['before', 'limit']],
  ];
  for (const [path, keys] of queries) {
    await fc.assert(
      fc.asyncProperty(hostileQuery(keys), async (query) => {
        const res = await fastify.inject({ url: `${path}?${query}`, headers: AUTH });
        if (res.statusCode === 200) assert.ok(Array.isArray((res.json() as { connections?: unknown[]; events?: unknown[] })[path === '/api/events' ? 'events' : 'connections']));
        else assertClientError(res, `${path}?${query.slice(0, 200)}`);
      }),
      { numRuns: RUNS },
    );
  }
  // Ids that are not ours: never a real cookie, inode key or lab id, so nothing is touched.
  const foreignId = fc.string({ minLength: 1, maxLength: 300 }).filter((s) => !/^([0-9a-f]{16}|lab-\d+)$/.test(s));
  await fc.assert(
    fc.asyncProperty(foreignId, fc.constantFrom('GET /api/connections/', 'DELETE /api/connections/', 'DELETE /api/lab/', 'PATCH /api/connections/'), async (id, route) => {
      const [method, prefix] = route.split(' ') as [string, string];
      const suffix = method === 'PATCH' ? '/keepalive' : '';
      const res = await fastify.inject({ method: method as 'GET', url: `${prefix}${encodeURIComponent(id)}${suffix}`, headers: AUTH, remoteAddress: nextClient(), ...(method === 'PATCH' ? { payload: { idleSec: 10 } } : {}) });
      const body = assertClientError(res, `${route}${id.slice(0, 100)}`);
      assert.ok(res.statusCode === 404 || res.statusCode === 400, `${res.statusCode} ${body.code}`);
    }),
    { numRuns: RUNS },
  );
  assertNoPollution();
  assert.ok(heapUsedAfterGc() - heapBefore < 48 * 1024 * 1024, 'heap bounded');
});
