import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import fc from 'fast-check';

import { buildApp, tempDir } from '../../helpers/app.js';

const SECRET_BESIDE = 'SECRET-BESIDE-THE-WEB-ROOT';
const SECRET_IN_ROOT = 'SECRET-IN-THE-WEB-ROOT-NOT-IN-ASSETS';

/** GET with the path exactly as written: fetch() and inject() would resolve the dots first. */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A built UI in a temp dir, with secrets beside it and inside it (outside assets/). */
async function served(t: Parameters<typeof buildApp>[0]) {
  const dir = tempDir(t, 'ka-static-');
  const webRoot = join(dir, 'web', 'dist');
  mkdirSync(join(webRoot, 'assets'), { recursive: true });
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>keepalive-dashboard</title>');
  writeFileSync(join(webRoot, 'assets', 'app.js'), 'console.log("app")');
  writeFileSync(join(webRoot, 'secret.txt'), SECRET_IN_ROOT);
  writeFileSync(join(dir, 'web', 'secret.txt'), SECRET_BESIDE);
  writeFileSync(join(dir, 'package.json'), SECRET_BESIDE);
  const fastify = await buildApp(t, { webRoot });
  await fastify.listen({ host: '127.0.0.1', port: 0 });
  return { port: (fastify.server.address() as { port: number }).port };
}

function assertNothingLeaked(res: { status: number; body: string }, path: string): void {
  assert.ok(res.status < 500, `${path} → ${res.status}`);
  assert.doesNotMatch(res.body, /SECRET-/, `${path} served a file outside assets/`);
  assert.doesNotMatch(res.body, /root:x:0:0:/, `${path} served /etc/passwd`);
  assert.doesNotMatch(res.body, /"workspaces"/, `${path} served the repository's package.json`);
  if (res.status >= 400) {
    const body = JSON.parse(res.body) as { code: unknown; message: unknown };
    assert.ok(typeof body.code === 'string' && typeof body.message === 'string', `${path}: {code, message}`);
  }
}

test('path traversal on static files: known tricks never serve anything outside the assets folder', async (t) => {
  const { port } = await served(t);
  assert.equal((await rawGet(port, '/assets/app.js')).status, 200, 'the real asset is served');
  const tricks = [
    '/assets/../../package.json', '/assets/../secret.txt', '/assets/../../secret.txt', '/assets/%2e%2e/secret.txt',
    '/assets/%2e%2e/%2e%2e/package.json', '/assets/%2E%2E%2Fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/assets/..%5c..%5csecret.txt',
    '/assets/%252e%252e/secret.txt', '/assets/.%2e/secret.txt', '/assets/..%00/secret.txt', '/assets//etc/passwd', '/assets/%2fetc%2fpasswd',
    '//etc/passwd', '/..%2f..%2f..%2fetc%2fpasswd', '/index.html/..%2f..%2fsecret.txt', '/index.html/../secret.txt', '/secret.txt',
    '/..;/secret.txt', '/assets/..;/secret.txt', `/assets/${'../'.repeat(20)}etc/passwd`, '/assets/app.js/../../secret.txt',
  ];
  for (const path of tricks) assertNothingLeaked(await rawGet(port, path), path);
});

test('path traversal on static files: random mixes of dots, encodings and separators never escape', async (t) => {
  const { port } = await served(t);
  const segment = fc.constantFrom('..', '.', '', '%2e%2e', '%2E%2e', '.%2e', '%2e.', '..%2f', '..%5c', '%252e%252e', '..%00', '..;', 'assets', 'secret.txt', 'package.json', 'etc', 'passwd', 'app.js', '%2f', '\\..');
  const path = fc.tuple(fc.constantFrom('/assets/', '/', '//', '/index.html/', '/assets//'), fc.array(segment, { minLength: 1, maxLength: 8 }), fc.constantFrom('/', '%2f', '\\'))
    .map(([prefix, segments, sep]) => prefix + segments.join(sep));
  await fc.assert(fc.asyncProperty(path, async (p) => assertNothingLeaked(await rawGet(port, p), p)), { numRuns: 200 });
});
