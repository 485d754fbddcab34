/** The middlebox model without a browser: matching a table row to its lab connection, the verdicts' words, progress, errors and polling. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { MiddleboxConnectionInfo, MiddleboxLabView } from '@keepalive-dashboard/shared';

import { conntrackExpiresAt, labConnectionOf, layerVerdictText, messageVerdictText, MiddleboxModel, type MessageVerdict } from '../../web/src/model/middlebox-model.js';
import { ApiError } from '../../web/src/transport/api.js';
import { view } from './views.js';

const clock = (ms: number): string => `T${ms}`;

function conn(overrides: Partial<MiddleboxConnectionInfo> = {}): MiddleboxConnectionInfo {
  return {
    id: 'mb-1', createdAt: 1000, status: 'open', closeCode: null, closedAt: null,
    client: { netns: 'ka-mb-x-client', address: '10.213.1.2', port: 40000, pid: 1, fd: 3 },
    server: { netns: 'ka-mb-x-server', address: '10.213.2.2', port: 5000, pid: 2 },
    keepalive: { idleSec: 15, intervalSec: 1, count: 3 }, userTimeoutMs: 5000, bytesSent: 0, bytesReceived: 0,
    conntrack: { state: 'ESTABLISHED', remainingSec: 6 }, conntrackSeenAt: 10_000, forgottenAt: null,
    ...overrides,
  };
}

const lab = (connections: MiddleboxConnectionInfo[]): MiddleboxLabView => ({ enabled: true, settings: { preset: 'custom', timeoutSec: 8, mode: 'drop' }, topology: null, connections });
const verdict = (v: Partial<MessageVerdict>): MessageVerdict => ({ pending: false, sentAt: 0, result: null, error: null, silenceMs: 20_400, ...v });
const result = (delivered: boolean, clientError: string | null, connection: MiddleboxConnectionInfo | null = null) => ({ id: 'mb-1', delivered, bytes: 16, waitedMs: 3000, clientError, connection });

test('a table row is its lab connection by namespace name and ports, client or server end; a same-port row elsewhere is not', () => {
  const l = lab([conn()]);
  const netns = (label: string) => ({ inode: 1, label, own: false });
  assert.equal(labConnectionOf(view({ netns: netns('ka-mb-x-client'), local: { address: '10.213.1.2', port: 40000 }, peer: { address: '10.213.2.2', port: 5000 } }), l)?.end, 'client');
  assert.equal(labConnectionOf(view({ netns: netns('ka-mb-x-server'), local: { address: '10.213.2.2', port: 5000 }, peer: { address: '10.213.1.2', port: 40000 } }), l)?.end, 'server');
  assert.equal(labConnectionOf(view({ netns: netns('host'), local: { address: '10.213.1.2', port: 40000 }, peer: { address: '10.213.2.2', port: 5000 } }), l), null);
});

test('the router countdown runs from its read: seen at 10 s with 6 s left expires at 16 s', () => {
  assert.equal(conntrackExpiresAt(conn()), 16_000);
  assert.equal(conntrackExpiresAt(conn({ conntrack: null, forgottenAt: 15_000 })), null);
});

test('message verdicts: arrived after the silence, lost to a forgetting middlebox, reset, the client error', () => {
  assert.equal(messageVerdictText(verdict({ result: result(true, null) }), conn(), clock), 'arrived after 20 s of silence');
  assert.equal(messageVerdictText(verdict({ result: result(false, null, conn({ forgottenAt: 7000 })) }), conn(), clock), 'lost: the middlebox forgot this flow at T7000');
  assert.equal(messageVerdictText(verdict({ result: result(false, 'ECONNRESET') }), conn(), clock), 'reset by the middlebox (ECONNRESET)');
  assert.equal(messageVerdictText(verdict({ result: result(false, 'EPIPE') }), conn(), clock), "the client's error: EPIPE");
});

test('which layer: the died event when there is one, else the close code and whether the router had forgotten the flow', () => {
  assert.equal(layerVerdictText(conn(), undefined, clock), null);
  const closed = conn({ status: 'closed', closeCode: 'ETIMEDOUT', forgottenAt: 9000 });
  assert.equal(layerVerdictText(closed, 'the server said so', clock), 'the server said so');
  assert.equal(layerVerdictText(closed, undefined, clock), 'died by ETIMEDOUT: forgotten by the middlebox at T9000');
});

function model(answers: { put?: () => Promise<MiddleboxLabView>; get?: () => Promise<MiddleboxLabView> }) {
  const timers: (() => void)[] = [];
  const api = {
    middlebox: answers.get ?? (async () => lab([conn()])),
    putMiddlebox: answers.put ?? (async () => lab([])),
    openMiddleboxConnection: async () => conn(),
    middleboxMessage: async () => result(true, null),
    connections: async () => ({ serverTime: 0, total: 0, offset: 0, connections: [] }),
  };
  const m = new MiddleboxModel({ api, auth: { failed: () => {}, ok: () => {} }, now: () => 0, setTimer: (cb) => timers.push(cb), clearTimer: () => {} });
  return { m, timers };
}

test('building shows "creating namespaces…" until the server answers, then its refusal as sent', async () => {
  let refuse!: (e: Error) => void;
  const { m } = model({ put: () => new Promise((_, reject) => (refuse = reject)) });
  const done = m.setLab({ enabled: true, preset: 'custom', timeoutSec: 8 });
  assert.equal(m.getState().middlebox.progress, 'creating namespaces…');
  refuse(new ApiError('KA_ERR_PERMISSION', 'the middlebox lab needs CAP_NET_ADMIN', 403));
  assert.equal(await done, false);
  assert.deepEqual([m.getState().middlebox.progress, m.getState().middlebox.error?.code], [null, 'KA_ERR_PERMISSION']);
});

test('the lab is read again while a connection is open, and not once none is', async () => {
  const { m, timers } = model({});
  await m.refresh();
  assert.equal(timers.length, 1);
  const idle = model({ get: async () => lab([conn({ status: 'closed' })]) });
  await idle.m.refresh();
  assert.equal(idle.timers.length, 0);
});
