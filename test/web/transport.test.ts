import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { ServerFrame } from '@keepalive-dashboard/shared';

import { backoffDelayMs } from '../../web/src/transport/backoff.js';
import type { Scheduler, SocketLike } from '../../web/src/transport/socket.js';
import { StreamClosedError, StreamTransport, type LinkStatus } from '../../web/src/transport/stream-transport.js';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  closed = false;
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.closed = true;
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(frame: ServerFrame): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}

/** Timers that run when the test says so. */
class FakeScheduler implements Scheduler {
  time = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private id = 0;
  setTimeout(fn: () => void, ms: number): unknown {
    this.timers.set(++this.id, { at: this.time + ms, fn });
    return this.id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = end;
  }
}

function setup(pingEveryMs = 0) {
  const sockets: FakeSocket[] = [];
  const frames: ServerFrame[] = [];
  const statuses: LinkStatus[] = [];
  const scheduler = new FakeScheduler();
  let onOpen: () => void = () => {};
  const transport = new StreamTransport({
    url: 'ws://x/api/stream',
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    onFrame: (f) => frames.push(f),
    onStatus: (s) => statuses.push(s),
    onOpen: () => onOpen(),
    scheduler,
    random: () => 0.5,
    pingEveryMs,
    pingTimeoutMs: 1000,
  });
  return { transport, sockets, frames, statuses, scheduler, setOnOpen: (fn: () => void) => (onOpen = fn) };
}

test('frames wait in a queue until the socket opens; a newer filter replaces a queued one', () => {
  const { transport, sockets } = setup();
  transport.start();
  transport.send({ type: 'filter', filter: { state: 'LISTEN' } });
  transport.send({ type: 'select', id: 'a' });
  transport.send({ type: 'filter', filter: { port: 22 } });
  assert.equal(sockets[0]?.sent.length, 0);
  sockets[0]?.open();
  assert.deepEqual(sockets[0]?.sent.map((s) => JSON.parse(s)), [
    { type: 'select', id: 'a' },
    { type: 'filter', filter: { port: 22 } },
  ]);
  transport.send({ type: 'ping' });
  assert.equal(sockets[0]?.sent.length, 3, 'sent at once when open');
});

test('a dropped socket is reopened with growing delays; open resets them', () => {
  const { transport, sockets, statuses, scheduler } = setup();
  transport.start();
  sockets[0]?.open();
  sockets[0]?.drop();
  assert.equal(transport.linkStatus.state, 'reconnecting');
  assert.equal(transport.linkStatus.retryAt, backoffDelayMs(0, 0.5));
  scheduler.advance(backoffDelayMs(0, 0.5));
  assert.equal(sockets.length, 2);
  sockets[1]?.drop(); // never opened: the next delay is longer
  const second = (transport.linkStatus.retryAt ?? 0) - scheduler.time;
  assert.equal(second, backoffDelayMs(1, 0.5));
  assert.ok(second > backoffDelayMs(0, 0.5));
  scheduler.advance(second);
  sockets[2]?.open();
  assert.equal(transport.linkStatus.state, 'open');
  assert.equal(transport.linkStatus.attempt, 0);
  assert.ok(statuses.some((s) => s.state === 'reconnecting' && s.lastClose === 'code 1006'));
  transport.stop();
  assert.equal(sockets[2]?.closed, true);
  scheduler.advance(60_000);
  assert.equal(sockets.length, 3, 'stopped: no more attempts');
});

test('backoff is capped and jittered', () => {
  assert.equal(backoffDelayMs(0, 0), 250);
  assert.equal(backoffDelayMs(0, 0.999), 500);
  assert.equal(backoffDelayMs(30, 1), 15_000);
  assert.equal(backoffDelayMs(100, 0), 7_500);
});

test('requests waiting for an answer are rejected when the socket closes', async () => {
  const { transport, sockets } = setup();
  transport.start();
  sockets[0]?.open();
  const pending = transport.request({ type: 'ping' }, (f) => f.type === 'error' && f.code === 'KA_PONG');
  sockets[0]?.drop();
  await assert.rejects(pending, StreamClosedError);
  const answered = transport.request({ type: 'ping' }, (f) => f.type === 'error' && f.code === 'KA_PONG');
  assert.equal(transport.queued.length, 1, 'queued while reconnecting');
  transport.stop();
  await assert.rejects(answered, /stopped/);
});

test('a matching frame resolves a request and is still delivered', async () => {
  const { transport, sockets, frames } = setup();
  transport.start();
  sockets[0]?.open();
  const pending = transport.request({ type: 'ping' }, (f) => f.type === 'error' && f.code === 'KA_PONG');
  sockets[0]?.receive({ type: 'error', serverTime: 1, code: 'KA_PONG', message: 'pong' });
  assert.equal(((await pending) as { code: string }).code, 'KA_PONG');
  assert.equal(frames.length, 1);
});

test('an unanswered ping closes the link and reconnects', async () => {
  const { transport, sockets, scheduler } = setup(5_000);
  transport.start();
  sockets[0]?.open();
  scheduler.advance(5_000);
  assert.match(sockets[0]?.sent[0] ?? '', /"ping"/);
  scheduler.advance(1_000);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(transport.linkStatus.state, 'reconnecting');
  assert.equal(transport.linkStatus.lastClose, 'no answer to ping');
  assert.equal(sockets[0]?.closed, true);
});

test('state re-sent on open replaces what was queued before it', () => {
  const { transport, sockets, setOnOpen } = setup();
  setOnOpen(() => transport.send({ type: 'select', id: 'fresh' }));
  transport.start();
  transport.send({ type: 'select', id: 'stale' });
  sockets[0]?.open();
  assert.deepEqual(sockets[0]?.sent.map((s) => JSON.parse(s)), [{ type: 'select', id: 'fresh' }]);
});
