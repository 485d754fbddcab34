import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';

import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { WebSocket } from 'ws';

import { ClientFrameSchema, MAX_CLIENT_FRAME_BYTES, filterProblem, type ServerFrame } from '@keepalive-dashboard/shared';

import { AUTH, TOKEN, buildApp } from '../../helpers/app.js';
import { isType, openStream, type FrameReader } from '../../helpers/ws.js';
import { MEGABYTE, assertNoPollution, heapUsedAfterGc, hostileNumber, hostileObject, hostileValue, plausibleObject } from './hostile.js';

const FILTER_KEYS = ['state', 'port', 'address', 'pid', 'command', 'keepalive', 'probing', 'owned'];

/** Frames shaped like the protocol's, with values often right and often just wrong. */
const plausibleFrame = fc.oneof(
  fc.constant({ type: 'ping' }),
  fc.record({
    type: fc.constant('filter'),
    filter: fc.record(
      {
        state: fc.oneof(fc.constantFrom('ESTABLISHED', 'LISTEN', 'TIME_WAIT'), fc.string({ maxLength: 8 })),
        port: fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.constantFrom(-1, 65536, 1.5, '80')),
        address: fc.string({ maxLength: 16 }),
        pid: fc.oneof(fc.nat(), fc.constantFrom(-1, 0.5)),
        command: fc.string({ maxLength: 16 }),
        keepalive: fc.constantFrom('on', 'off', 'maybe', true),
        probing: fc.oneof(fc.boolean(), fc.constant('true')),
        owned: fc.oneof(fc.boolean(), fc.constant(1)),
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record(
    {
      type: fc.constant('select'),
      id: fc.oneof(fc.constantFrom('ffffffffffffffff', 'lab-1', 'x'), fc.constant(null), fc.string({ minLength: 150, maxLength: 250 }), fc.integer()),
      intervalMs: fc.oneof(fc.integer({ min: 100, max: 10_000 }), fc.constantFrom(99, 10_001, 250.5)),
    },
    { requiredKeys: ['type', 'id'] },
  ),
);

/** A client frame as text, or a Buffer sent as a binary frame. */
const hostileFrame: fc.Arbitrary<string | Buffer> = fc.oneof(
  { weight: 6, arbitrary: plausibleFrame.map((v) => JSON.stringify(v)) },
  { weight: 4, arbitrary: hostileObject(['type', 'filter', 'id', 'intervalMs']).map((v) => JSON.stringify(v) ?? 'undefined') },
  {
    weight: 6,
    arbitrary: fc
      .record(
        {
          type: fc.oneof(fc.constantFrom('filter', 'select', 'ping'), hostileValue),
          filter: fc.oneof(plausibleObject(FILTER_KEYS), hostileObject(FILTER_KEYS)),
          id: fc.oneof(fc.string({ maxLength: 20 }), fc.constant(null), hostileValue),
          intervalMs: fc.oneof(fc.integer({ min: 100, max: 10_000 }), hostileNumber),
        },
        { requiredKeys: ['type'] },
      )
      .map((v) => JSON.stringify(v)),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.constantFrom('{"type":"filter","filter":{"__proto__":{"polluted":1}}}', '{"type":"select","id":"x","constructor":{"prototype":{"polluted":1}}}', '{"__proto__":{"type":"ping"}}', '', '[]', 'null', '1e400') },
  { weight: 1, arbitrary: fc.constantFrom(MEGABYTE, JSON.stringify({ type: 'select', id: MEGABYTE.slice(100) }), JSON.stringify({ type: 'filter', filter: { address: 'a'.repeat(MAX_CLIENT_FRAME_BYTES) } })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)) },
);

function isValid(frame: string | Buffer): boolean {
  if (typeof frame !== 'string' || Buffer.byteLength(frame) > MAX_CLIENT_FRAME_BYTES) return false;
  try {
    const value: unknown = JSON.parse(frame);
    if (!Value.Check(ClientFrameSchema, value)) return false;
    // A filter the schema allows may still not parse (an unknown state, a bad range): shared/'s rule decides.
    return !('filter' in value) || filterProblem(value.filter) === null;
  } catch {
    return false;
  }
}

const isPong = (f: ServerFrame): boolean => f.type === 'error' && f.code === 'KA_PONG';

/** Sends `frame`, then a ping; returns every frame the server sent before answering that ping. */
async function answerTo(reader: FrameReader, frame: string | Buffer, pongs: number): Promise<ServerFrame[]> {
  const seen: ServerFrame[] = [];
  if (typeof frame === 'string') reader.send(frame);
  else reader.socket.send(frame, { binary: true });
  reader.send({ type: 'ping' });
  for (let i = 0; i < pongs; i++) {
    await reader.next((f) => {
      if (!isPong(f)) seen.push(f);
      return isPong(f);
    }, 10_000);
  }
  return seen;
}

async function open(t: TestContext, fastify: FastifyInstance): Promise<FrameReader> {
  const reader = await openStream(fastify as never, AUTH);
  // The server's end of an injected socket never sees its stream end, so a closing
  // handshake would wait out ws's 30 s close timer (keeping the test process alive): cut it.
  t.after(() => {
    for (const client of fastify.websocketServer.clients) client.terminate();
  });
  await reader.next(isType('snapshot'));
  return reader;
}

test('hostile WebSocket frames: an error frame for each invalid one, none for a valid one; the socket stays up; heap bounded', async (t) => {
  const fastify = await buildApp(t);
  await fastify.ka.store.collect();
  const reader = await open(t, fastify);
  const heapBefore = heapUsedAfterGc();
  let invalid = 0;
  let valid = 0;
  await fc.assert(
    fc.asyncProperty(hostileFrame, async (frame) => {
      const ok = isValid(frame);
      const pongs = ok && JSON.parse(frame as string).type === 'ping' ? 2 : 1;
      const answers = await answerTo(reader, frame, pongs);
      const errors = answers.filter(isType('error'));
      const shown = typeof frame === 'string' ? frame.slice(0, 200) : `binary ${frame.length} bytes`;
      if (ok) {
        valid++;
        assert.deepEqual(errors, [], shown);
        if (JSON.parse(frame as string).type === 'filter') assert.ok(answers.some(isType('snapshot')), `a filter gets a snapshot: ${shown}`);
      } else {
        invalid++;
        assert.equal(errors.length, 1, `one error frame for ${shown}`);
        assert.match(errors[0]?.code ?? '', /^KA_ERR_(BAD_REQUEST|PAYLOAD_TOO_LARGE)$/, shown);
        assert.ok((errors[0]?.message.length ?? 0) < 1000, 'the message does not echo the frame back');
      }
    }),
    { numRuns: 150 },
  );
  assert.ok(invalid > 50 && valid > 10, `both kinds of frame tried: ${invalid} invalid, ${valid} valid`);
  reader.send({ type: 'select', id: null });
  assert.equal(reader.socket.readyState, reader.socket.OPEN);
  assertNoPollution();
  assert.ok(heapUsedAfterGc() - heapBefore < 48 * 1024 * 1024, 'heap bounded');
});

test('frames over 16 KiB get an error frame and the socket stays up; over 1 MiB (ws maxPayload) the socket is closed, the server lives on', async (t) => {
  const fastify = await buildApp(t);
  const reader = await open(t, fastify);
  for (const size of [MAX_CLIENT_FRAME_BYTES + 1, 512 * 1024, 1024 * 1024]) {
    const [error] = (await answerTo(reader, 'x'.repeat(size), 1)).filter(isType('error'));
    assert.equal(error?.code, 'KA_ERR_PAYLOAD_TOO_LARGE', `${size} bytes`);
    assert.match(error?.message ?? '', new RegExp(`frame of ${size} bytes refused \\(limit ${MAX_CLIENT_FRAME_BYTES}\\)`));
  }
  const closed = once(reader.socket, 'close');
  reader.send('x'.repeat(1024 * 1024 + 1));
  const [code] = (await closed) as [number];
  assert.equal(code, 1009, 'closed: message too big');
  const again = await open(t, fastify);
  assert.equal((await answerTo(again, '{"type":"ping"}', 2)).length, 0, 'a new stream works');
  assert.equal((await fastify.inject({ url: '/api/health', headers: AUTH })).statusCode, 200);
});

test('the WebSocket: repeated wrong tokens are rate limited per address, like the REST routes, never the right one', async (t) => {
  const fastify = await buildApp(t);
  // A real port: the limiter keys on the client address, which only a real socket has (127.0.0.2 and .3 are loopback too).
  await fastify.listen({ host: '127.0.0.1', port: 0 });
  const url = `ws://127.0.0.1:${(fastify.server.address() as { port: number }).port}/api/stream`;
  const attempt = async (token: string, localAddress: string): Promise<number> => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, localAddress });
    t.after(() => ws.terminate());
    const status = await Promise.race([
      once(ws, 'open').then(() => 101),
      once(ws, 'unexpected-response').then(([, res]) => (res as { statusCode: number }).statusCode),
    ]);
    ws.terminate();
    return status;
  };
  for (let i = 0; i < 20; i++) assert.equal(await attempt(`guess-${i}`, '127.0.0.2'), 401);
  assert.equal(await attempt('guess-more', '127.0.0.2'), 429);
  assert.equal(await attempt(TOKEN, '127.0.0.2'), 101, 'the right token is never locked out by bad guesses');
  assert.equal(await attempt(TOKEN, '127.0.0.3'), 101, 'other addresses are not affected');
});
