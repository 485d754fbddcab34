import assert from 'node:assert/strict';
import { test } from 'node:test';

import { AUTH, TOKEN, buildApp } from '../helpers/app.js';

const ROUTES: [string, string, object?][] = [
  ['GET', '/api/connections'],
  ['GET', '/api/connections/0000000000000001'],
  ['PATCH', '/api/connections/0000000000000001/keepalive', { idleSec: 10 }],
  ['DELETE', '/api/connections/0000000000000001'],
  ['GET', '/api/sysctl'],
  ['PUT', '/api/sysctl', { keepaliveProbes: 9 }],
  ['GET', '/api/lab'],
  ['POST', '/api/lab/connections', { host: '127.0.0.1', port: 1 }],
  ['POST', '/api/lab/listeners', { port: 0 }],
  ['DELETE', '/api/lab/lab-1'],
  ['GET', '/api/events'],
  ['GET', '/api/namespaces'],
  ['GET', '/api/history'],
  ['GET', '/api/health'],
  ['GET', '/metrics'],
];

test('every route refuses a missing or wrong token', async (t) => {
  const fastify = await buildApp(t);
  let n = 0;
  for (const [method, url, payload] of ROUTES) {
    for (const headers of [{}, { authorization: 'Bearer wrong-token' }, { 'x-keepalive-token': `${TOKEN}x` }]) {
      // A different address each time: this test is not about the failed-auth rate limit.
      const res = await fastify.inject({ method: method as 'GET', url, headers, ...(payload ? { payload } : {}), remoteAddress: `10.9.0.${++n}` });
      assert.equal(res.statusCode, 401, `${method} ${url} ${JSON.stringify(headers)}`);
      assert.equal((res.json() as { code: string }).code, 'KA_ERR_UNAUTHORIZED');
    }
  }
});

test('every route refuses a foreign Origin even with the token', async (t) => {
  const fastify = await buildApp(t);
  for (const [method, url, payload] of ROUTES) {
    const res = await fastify.inject({ method: method as 'GET', url, headers: { ...AUTH, origin: 'http://evil.example' }, ...(payload ? { payload } : {}) });
    assert.equal(res.statusCode, 403, `${method} ${url}`);
    assert.equal((res.json() as { code: string }).code, 'KA_ERR_BAD_ORIGIN');
  }
  const same = await fastify.inject({ url: '/api/health', headers: { ...AUTH, origin: 'http://localhost:80', host: 'localhost:80' } });
  assert.equal(same.statusCode, 200);
});

test('a login code is spent once for an HttpOnly SameSite=Strict session cookie; the token never becomes a cookie', async (t) => {
  const fastify = await buildApp(t);
  const code = fastify.ka.auth.sessions.issueCode();
  const login = await fastify.inject({ url: `/login?code=${code}` });
  assert.equal(login.statusCode, 303);
  assert.equal(login.headers.location, '/', 'the code leaves the address bar');
  const cookie = login.cookies.find((c) => c.name.startsWith('ka_session'));
  assert.ok(cookie, 'session cookie set');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.notEqual(cookie.value, TOKEN);
  assert.equal((await fastify.inject({ url: '/api/health', cookies: { [cookie.name]: cookie.value } })).statusCode, 200);
  const again = await fastify.inject({ url: `/login?code=${code}` });
  assert.equal(again.statusCode, 401, 'a spent code (a history entry) opens nothing');
  assert.equal(again.cookies.length, 0);
  assert.equal((await fastify.inject({ url: `/?token=${TOKEN}` })).cookies.length, 0, 'the old ?token= URL sets nothing');
});

test('logging out ends the session', async (t) => {
  const fastify = await buildApp(t);
  const login = await fastify.inject({ url: `/login?code=${fastify.ka.auth.sessions.issueCode()}` });
  const cookie = login.cookies[0] as { name: string; value: string };
  const cookies = { [cookie.name]: cookie.value };
  assert.equal((await fastify.inject({ method: 'POST', url: '/api/logout', cookies, headers: { origin: 'http://localhost:80' } })).statusCode, 200);
  assert.equal((await fastify.inject({ url: '/api/health', cookies })).statusCode, 401);
});

test('a script holding the token can mint a login link for a browser', async (t) => {
  const fastify = await buildApp(t);
  const minted = await fastify.inject({ method: 'POST', url: '/api/login-codes', headers: AUTH });
  assert.equal(minted.statusCode, 201);
  const { path } = minted.json() as { path: string };
  assert.equal((await fastify.inject({ url: path })).statusCode, 303);
  assert.equal((await fastify.inject({ method: 'POST', url: '/api/login-codes' })).statusCode, 401);
});

test('the WebSocket refuses a missing token and a foreign Origin', async (t) => {
  const fastify = await buildApp(t);
  await assert.rejects(fastify.injectWS('/api/stream', { headers: {} }), /Unexpected server response: 401/);
  await assert.rejects(fastify.injectWS('/api/stream', { headers: { ...AUTH, origin: 'http://evil.example' } }), /Unexpected server response: 403/);
});

test('repeated wrong tokens are rate limited, but the right credential is never refused', async (t) => {
  const fastify = await buildApp(t);
  const statuses: number[] = [];
  for (let i = 0; i < 25; i++) {
    statuses.push((await fastify.inject({ url: '/api/health', headers: { authorization: 'Bearer guess' }, remoteAddress: '10.1.2.3' })).statusCode);
  }
  assert.equal(statuses[0], 401);
  assert.equal(statuses.at(-1), 429);
  const right = await fastify.inject({ url: '/api/health', headers: AUTH, remoteAddress: '10.1.2.3' });
  assert.equal(right.statusCode, 200, 'a flood of bad guesses from the same address does not lock the operator out');
  const other = await fastify.inject({ url: '/api/health', headers: AUTH, remoteAddress: '10.1.2.4' });
  assert.equal(other.statusCode, 200, 'other clients are not affected');
});

test('security headers: CSP, no CORS', async (t) => {
  const fastify = await buildApp(t);
  const res = await fastify.inject({ url: '/', headers: { origin: 'http://evil.example' } });
  assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
  assert.equal(res.headers['access-control-allow-origin'], undefined);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
});

test('wrong login codes count as failed attempts; a right code still works after a flood', async (t) => {
  const fastify = await buildApp(t);
  let last = 0;
  for (let i = 0; i < 25; i++) last = (await fastify.inject({ url: `/login?code=guess-${i}`, remoteAddress: '10.3.3.3' })).statusCode;
  assert.equal(last, 429);
  const right = await fastify.inject({ url: `/login?code=${fastify.ka.auth.sessions.issueCode()}`, remoteAddress: '10.3.3.3' });
  assert.equal(right.statusCode, 303);
});
