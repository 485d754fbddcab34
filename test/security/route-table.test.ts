/**
 * The guard by construction: every route the app registers — REST and
 * WebSocket, now and any added later — is walked from Fastify's own route
 * table and tried without credentials under many spellings of its path.
 * Only the few public pages may answer; nothing else is ever served.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';

import { app } from '@keepalive-dashboard/server';
import { serverOptions } from '@keepalive-dashboard/server/server-options';

import { AUTH, TOKEN, tempDir } from '../helpers/app.js';

/** Public on purpose: the page shell, its assets and the login exchange (they hold no data). */
const PUBLIC = new Set(['GET /', 'GET /index.html', 'GET /login', 'GET /assets/*', 'HEAD /', 'HEAD /index.html', 'HEAD /login', 'HEAD /assets/*']);

function fakeSysctlDir(t: TestContext): string {
  const dir = join(tempDir(t), 'ipv4');
  mkdirSync(dir);
  for (const name of ['tcp_keepalive_time', 'tcp_keepalive_intvl', 'tcp_keepalive_probes']) writeFileSync(join(dir, name), '10\n');
  return dir;
}

async function appWithRoutes(t: TestContext, metricsPublic = false): Promise<{ fastify: FastifyInstance; routes: RouteOptions[] }> {
  const fastify = Fastify(serverOptions());
  const routes: RouteOptions[] = [];
  fastify.addHook('onRoute', (route) => void routes.push(route));
  t.after(() => fastify.close());
  await fastify.register(app, { token: TOKEN, collect: false, source: 'netlink', auditLogPath: join(tempDir(t), 'audit.jsonl'), sysctlDir: fakeSysctlDir(t), metricsPublic, log: () => {} });
  await fastify.ready();
  return { fastify, routes };
}

const methodsOf = (route: RouteOptions): string[] => (Array.isArray(route.method) ? route.method : [route.method]);
const concrete = (url: string): string => url.replace(/:[a-zA-Z]+/g, 'lab-1').replace(/\*$/, 'index.js');

/** The same path as a router might still match it, and as path normalizers see it. */
function spellings(path: string): string[] {
  const [, first = '', ...rest] = path.split('/');
  const tail = rest.length ? `/${rest.join('/')}` : '';
  const enc = (s: string, upper: boolean): string => [...s].map((c) => `%${c.charCodeAt(0).toString(16)[upper ? 'toUpperCase' : 'toLowerCase']()}`).join('');
  return [
    path,
    `/${enc(first.slice(0, 1), false)}${first.slice(1)}${tail}`,
    `/${enc(first, true)}${tail}`,
    `/${first.toUpperCase()}${tail}`,
    `/./${first}${tail}`,
    `/x/../${first}${tail}`,
    `//${first}${tail}`,
    `/${first}/${tail}`,
    `/${first};a=b${tail}`,
    `${path};x`,
    `${path}/`,
    `${path}?token=${TOKEN}x`,
    `/${first}%2F${rest.join('%2F')}`,
  ];
}

test('the route table: every non-public route refuses a request without credentials, however its path is spelled', async (t) => {
  const { fastify, routes } = await appWithRoutes(t);
  const protectedRoutes = routes.filter((r) => methodsOf(r).some((m) => !PUBLIC.has(`${m} ${r.url}`)));
  assert.ok(protectedRoutes.length >= 15, `the walk found the routes (${protectedRoutes.length})`);
  let n = 0;
  for (const route of protectedRoutes) {
    for (const method of methodsOf(route).filter((m) => !PUBLIC.has(`${m} ${route.url}`))) {
      for (const url of spellings(concrete(route.url))) {
        // A new address each time: this is not about the failed-attempt limit.
        const res = await fastify.inject({ method: method as 'GET', url, remoteAddress: `10.7.${n >> 8}.${++n & 255}`, ...(method === 'GET' || method === 'HEAD' ? {} : { payload: {} }) });
        assert.ok([401, 404, 400].includes(res.statusCode), `${method} ${url} without credentials → ${res.statusCode} ${res.body.slice(0, 120)}`);
      }
    }
  }
});

test('the route table: with the token every protected route is reached (the walk hits real routes)', async (t) => {
  const { fastify, routes } = await appWithRoutes(t);
  for (const route of routes) {
    for (const method of methodsOf(route).filter((m) => !PUBLIC.has(`${m} ${route.url}`) && m !== 'HEAD')) {
      if (route.url === '/api/stream') continue; // a WebSocket: tried below
      const res = await fastify.inject({ method: method as 'GET', url: concrete(route.url), headers: AUTH, ...(method === 'GET' ? {} : { payload: {} }) });
      assert.notEqual(res.statusCode, 401, `${method} ${route.url}`);
      assert.doesNotMatch(res.body, /"no route /, `${method} ${route.url} is routed`);
    }
  }
});

test('every WebSocket route refuses an upgrade without credentials, under every spelling', async (t) => {
  const { fastify, routes } = await appWithRoutes(t);
  const ws = routes.filter((r) => (r as RouteOptions & { websocket?: boolean }).websocket);
  assert.ok(ws.some((r) => r.url === '/api/stream'), 'the stream is found in the route table');
  for (const route of ws) {
    for (const url of spellings(route.url)) {
      await assert.rejects(fastify.injectWS(url, { headers: {} }), /Unexpected server response: (401|404|400)/, url);
    }
    const open = await fastify.injectWS(route.url, { headers: AUTH });
    open.terminate();
  }
});

test('/metrics is public only with --metrics-public, and then still answers only our Host', async (t) => {
  const closed = await appWithRoutes(t);
  assert.equal((await closed.fastify.inject({ url: '/%6detrics' })).statusCode, 401);
  const open = await appWithRoutes(t, true);
  assert.equal((await open.fastify.inject({ url: '/metrics' })).statusCode, 200);
  assert.equal((await open.fastify.inject({ url: '/metrics', headers: { host: 'evil.example' } })).statusCode, 421);
});

test('the route table: every route that takes path parameters or a body declares their schema', async (t) => {
  const { routes } = await appWithRoutes(t);
  const bodiless = new Set(['POST /api/login-codes', 'POST /api/logout']);
  for (const route of routes) {
    const schema = (route.schema ?? {}) as { params?: unknown; body?: unknown };
    if (/\/:[a-z]/i.test(route.url) && !route.url.startsWith('/assets')) assert.ok(schema.params, `${route.url} declares its params`);
    for (const method of methodsOf(route)) {
      if (['POST', 'PUT', 'PATCH'].includes(method) && !bodiless.has(`${method} ${route.url}`)) assert.ok(schema.body, `${method} ${route.url} declares its body`);
    }
  }
});
