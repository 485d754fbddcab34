import assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import net from 'node:net';
import { test } from 'node:test';

import { fdOf, getKeepalive, setKeepalive } from '@keepalive-dashboard/native';

import { openPair } from '../helpers/loopback.js';

test('every option round-trips through the kernel', async (t) => {
  const { client } = await openPair(t);
  setKeepalive(client, { enabled: true, idleSec: 11, intervalSec: 4, count: 5, userTimeoutMs: 22000 });
  assert.deepEqual(getKeepalive(client), { enabled: true, idleSec: 11, intervalSec: 4, count: 5, userTimeoutMs: 22000 });
  setKeepalive(client, { enabled: false });
  assert.equal(getKeepalive(client).enabled, false);
});

test('a partial change touches only the fields given', async (t) => {
  const { client } = await openPair(t);
  setKeepalive(client, { enabled: true, idleSec: 30, intervalSec: 7, count: 3, userTimeoutMs: 500 });
  setKeepalive(client, { intervalSec: 9 });
  assert.deepEqual(getKeepalive(client), { enabled: true, idleSec: 30, intervalSec: 9, count: 3, userTimeoutMs: 500 });
});

test('bounds just inside are accepted', async (t) => {
  const { client } = await openPair(t);
  for (const change of [
    { idleSec: 1 }, { idleSec: 32767 }, { intervalSec: 1 }, { intervalSec: 32767 },
    { count: 1 }, { count: 127 }, { userTimeoutMs: 0 }, { userTimeoutMs: 2147483647 },
  ]) {
    setKeepalive(client, change);
    const [[field, value]] = Object.entries(change) as [[keyof typeof change, number]];
    assert.equal(getKeepalive(client)[field], value, `${field}=${value}`);
  }
});

test('bounds just outside and wrong types throw errors that name the bound', async (t) => {
  const { client } = await openPair(t);
  const cases: [Record<string, unknown>, ErrorConstructor, RegExp][] = [
    [{ idleSec: 0 }, RangeError, /^idle must be 1–32767 s, got 0$/],
    [{ idleSec: 32768 }, RangeError, /^idle must be 1–32767 s, got 32768$/],
    [{ intervalSec: 0 }, RangeError, /^interval must be 1–32767 s, got 0$/],
    [{ intervalSec: 32768 }, RangeError, /^interval must be 1–32767 s, got 32768$/],
    [{ count: 0 }, RangeError, /^count must be 1–127, got 0$/],
    [{ count: 128 }, RangeError, /^count must be 1–127, got 128$/],
    [{ userTimeoutMs: -1 }, RangeError, /^user timeout must be 0–2147483647 ms, got -1$/],
    [{ userTimeoutMs: 2147483648 }, RangeError, /user timeout must be 0–2147483647 ms/],
    [{ idleSec: 1.5 }, RangeError, /^idle must be an integer 1–32767 s, got 1.5$/],
    [{ idleSec: Number.NaN }, TypeError, /^idle must be an integer 1–32767 s, got NaN$/],
    [{ count: '5' }, TypeError, /^count must be an integer 1–127, got the string "5"$/],
    [{ enabled: 1 }, TypeError, /^enabled must be a boolean, got 1$/],
    [{ idle: 5 }, TypeError, /unknown keepalive field "idle"/],
  ];
  const before = getKeepalive(client);
  for (const [change, type, message] of cases) {
    assert.throws(() => setKeepalive(client, change), (e: Error) => e instanceof type && message.test(e.message), JSON.stringify(change));
  }
  assert.deepEqual(getKeepalive(client), before, 'a rejected change alters nothing');
});

test('a closed fd gives EBADF with the syscall', async (t) => {
  const { client } = await openPair(t);
  const fd = fdOf(client);
  client.destroy();
  await new Promise((resolve) => setImmediate(resolve));
  assert.throws(() => getKeepalive(fd), { code: 'EBADF', syscall: 'getsockopt(SO_KEEPALIVE)' });
  assert.throws(() => setKeepalive(fd, { idleSec: 5 }), { code: 'EBADF', syscall: 'setsockopt(TCP_KEEPIDLE)' });
});

test('a non-socket fd gives ENOTSOCK; a listening socket accepts keepalive', async (t) => {
  const file = openSync('/dev/null', 'r');
  t.after(() => closeSync(file));
  assert.throws(() => getKeepalive(file), { code: 'ENOTSOCK' });
  const { server } = await openPair(t);
  setKeepalive(server, { enabled: true, idleSec: 42 });
  assert.equal(getKeepalive(server).idleSec, 42);
});

test('a socket without an fd says why', async () => {
  const fresh = new net.Socket();
  assert.throws(() => getKeepalive(fresh), { code: 'EBADF', message: /socket has no file descriptor: it is not connected/ });
  fresh.destroy();
  assert.throws(() => getKeepalive(fresh), { code: 'EBADF', message: /it is destroyed/ });
  const server = net.createServer();
  assert.throws(() => getKeepalive(server), { code: 'EBADF', message: /server has no file descriptor: it is not listening/ });
});
