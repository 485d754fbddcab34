/** Host and Origin: what a DNS-rebinding page or a page on another local port can reach. */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';

import type { FastifyInstance } from 'fastify';

import { AUTH, buildApp } from '../helpers/app.js';

async function session(fastify: FastifyInstance): Promise<Record<string, string>> {
  const login = await fastify.inject({ url: `/login?code=${fastify.ka.auth.sessions.issueCode()}` });
  const cookie = login.cookies[0] as { name: string; value: string };
  return { [cookie.name]: cookie.value };
}

async function app(t: TestContext, allowedHosts?: string[]): Promise<FastifyInstance> {
  return buildApp(t, allowedHosts ? { allowedHosts } : {});
}

test('a foreign Host header is refused (421) before any route runs, even with the token', async (t) => {
  const fastify = await app(t);
  for (const url of ['/api/health', '/', '/login?code=x', '/nowhere', '/assets/x.js']) {
    const res = await fastify.inject({ url, headers: { ...AUTH, host: 'evil.example:7405' } });
    assert.equal(res.statusCode, 421, url);
    assert.equal((res.json() as { code: string }).code, 'KA_ERR_BAD_HOST');
  }
  await assert.rejects(fastify.injectWS('/api/stream', { headers: { ...AUTH, host: 'rebind.example' } }), /Unexpected server response: 421/);
});

test('the names it answers to: listen address, localhost, 127.0.0.1, [::1], and --allowed-host', async (t) => {
  const fastify = await app(t, ['dash.internal']);
  for (const host of ['localhost:7405', '127.0.0.1:7405', '[::1]:7405', 'LOCALHOST', 'dash.internal:80']) {
    assert.equal((await fastify.inject({ url: '/api/health', headers: { ...AUTH, host } })).statusCode, 200, host);
  }
  for (const host of ['127.0.0.2', 'localhost.evil.example', 'user@localhost', 'localhost:80/x']) {
    assert.equal((await fastify.inject({ url: '/api/health', headers: { ...AUTH, host } })).statusCode, 421, host);
  }
});

test('a page on another port of 127.0.0.1 (same site, so the cookie goes along) cannot use the session', async (t) => {
  const fastify = await app(t);
  const cookies = await session(fastify);
  const host = '127.0.0.1:7405';
  assert.equal((await fastify.inject({ url: '/api/connections', cookies, headers: { host } })).statusCode, 200, 'own page');
  const fromOtherPort = await fastify.inject({ url: '/api/connections', cookies, headers: { host, origin: 'http://127.0.0.1:8000' } });
  assert.equal(fromOtherPort.statusCode, 403);
  // A cross-origin GET without Origin (an <img> or <script> tag) still says where it came from.
  for (const site of ['same-site', 'cross-site']) {
    assert.equal((await fastify.inject({ url: '/api/connections', cookies, headers: { host, 'sec-fetch-site': site } })).statusCode, 403, site);
  }
  await assert.rejects(fastify.injectWS('/api/stream', { headers: { cookie: `${Object.keys(cookies)[0]}=${Object.values(cookies)[0]}`, host, origin: 'http://127.0.0.1:8000' } }), /Unexpected server response: 403/);
});

test('a state-changing request from another origin is refused before routing, on any path', async (t) => {
  const fastify = await app(t);
  for (const url of ['/api/lab/listeners', '/%61pi/lab/listeners', '/login']) {
    const res = await fastify.inject({ method: 'POST', url, headers: { origin: 'http://evil.example' }, payload: { port: 0 } });
    assert.equal(res.statusCode, 403, url);
  }
  assert.equal(fastify.ka.lab.list().length, 0, 'nothing was opened');
});
