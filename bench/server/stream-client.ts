/**
 * A WebSocket client of /api/stream in its own process, so parsing a
 * 100 MB snapshot never runs on the server's event loop or counts as its CPU.
 * Started by ./stream-probe.ts with an IPC channel; the URL and token come in
 * the environment (KA_BENCH_URL, KA_BENCH_TOKEN). It reports every frame it
 * receives (size, arrival time, what changed) and answers counter requests.
 */
import type { IncomingMessage } from 'node:http';

import WebSocket from 'ws';

import type { ConnectionView, ServerFrame } from '@keepalive-dashboard/shared';

import { epochNow, type ClientCommand, type ClientReport, type FrameReport } from './stream-messages.js';

const url = process.env.KA_BENCH_URL;
const token = process.env.KA_BENCH_TOKEN;
if (!url || !token || !process.send) {
  console.error('stream-client.ts: start it from stream-probe.ts (needs KA_BENCH_URL, KA_BENCH_TOKEN and an IPC channel)');
  process.exit(2);
}

const report = (message: ClientReport): void => {
  process.send?.(message);
};

const ownPids = new Set([process.pid, ...(process.env.KA_BENCH_OWN_PIDS ?? '').split(',').filter(Boolean).map(Number)]);

// Nested objects whose own fields are worth naming when they change.
const NESTED = new Set(['tcpInfo', 'derived', 'timer']);
// "ms ago" at the sample time: the same moment gives a different number at a later sample.
const MS_AGO = new Set(['tcpInfo.lastDataSent', 'tcpInfo.lastDataRecv', 'tcpInfo.lastAckRecv']);
// Absolute times recomputed from "ms from now" at each sample: jitter (the server allows 250 ms + the dump time) is no change.
const ABSOLUTE = new Set(['timer.expiresAt', 'derived.nextProbeAt', 'derived.deadAt', 'derived.lastRecvAt']);
const JITTER_MS = 500;

function sameField(name: string, a: unknown, b: unknown, prev: ConnectionView, next: ConnectionView): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (MS_AGO.has(name)) return Math.abs(prev.sampledAt - a - (next.sampledAt - b)) <= JITTER_MS;
    if (ABSOLUTE.has(name)) return Math.abs(a - b) <= JITTER_MS;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The fields a viewer would see change between two copies of a view: not
 * sampledAt, not an "ms ago" that denotes the same moment, not an absolute
 * time within half a second of the old one.
 */
function differingFields(prev: ConnectionView, next: ConnectionView): string[] {
  const out: string[] = [];
  const p = prev as unknown as Record<string, unknown>;
  const n = next as unknown as Record<string, unknown>;
  for (const key of new Set([...Object.keys(p), ...Object.keys(n)])) {
    if (key === 'sampledAt') continue;
    const a = p[key];
    const b = n[key];
    if (NESTED.has(key) && a && b && typeof a === 'object' && typeof b === 'object') {
      const x = a as Record<string, unknown>;
      const y = b as Record<string, unknown>;
      for (const sub of new Set([...Object.keys(x), ...Object.keys(y)])) {
        if (!sameField(`${key}.${sub}`, x[sub], y[sub], prev, next)) out.push(`${key}.${sub}`);
      }
    } else if (!sameField(key, a, b, prev, next)) out.push(key);
  }
  return out;
}

function describeView(v: ConnectionView): string {
  const holders = v.holders.map((h) => `${h.comm}[${h.pid}]`).join(',') || 'no holder known';
  return `${v.state} ${v.local.address}:${v.local.port} → ${v.peer.address}:${v.peer.port} (${holders})`;
}

const views = new Map<string, ConnectionView>();
let watch = new Set<string>();
let payloadBytes = 0;
let frames = 0;
let wireSocket: { bytesRead: number } | null = null;

function watchedIn(list: readonly ConnectionView[]): FrameReport['watched'] {
  if (watch.size === 0) return [];
  return list.filter((v) => watch.has(v.id)).map((v) => ({ id: v.id, idleSec: v.keepalive?.idleSec ?? null }));
}

function baseReport(type: string, at: number, bytes: number): FrameReport {
  return { kind: 'frame', type, at, bytes, wireBytesTotal: wireSocket?.bytesRead ?? 0, seq: null, added: 0, changed: 0, removed: 0, watched: [] };
}

function describe(frame: ServerFrame, at: number, bytes: number, parseMs: number): FrameReport {
  const base = baseReport(frame.type, at, bytes);
  switch (frame.type) {
    case 'snapshot': {
      views.clear();
      const originCounts: Record<string, number> = {};
      let heldByOthers = 0;
      let noKnownHolder = 0;
      for (const v of frame.connections) {
        views.set(v.id, v);
        originCounts[v.keepaliveOrigin] = (originCounts[v.keepaliveOrigin] ?? 0) + 1;
        if (v.holders.length === 0) noKnownHolder++;
        else if (!v.holders.some((h) => ownPids.has(h.pid))) heldByOthers++;
      }
      return {
        ...base,
        seq: frame.seq,
        connections: frame.connections.length,
        parseMs,
        originCounts,
        heldByOthers,
        noKnownHolder,
        watched: watchedIn(frame.connections),
      };
    }
    case 'delta': {
      const changedFields: Record<string, number> = {};
      const changedSample: NonNullable<FrameReport['changedSample']> = [];
      for (const v of frame.changed) {
        const prev = views.get(v.id);
        const fields = prev ? differingFields(prev, v) : ['(not in the client’s copy)'];
        if (fields.length === 0) fields.push('(only times, within 0.5 s)');
        for (const f of fields) changedFields[f] = (changedFields[f] ?? 0) + 1;
        if (changedSample.length < 20) changedSample.push({ id: v.id, what: describeView(v), fields });
        views.set(v.id, v);
      }
      for (const v of frame.added) views.set(v.id, v);
      for (const id of frame.removed) views.delete(id);
      return {
        ...base,
        seq: frame.seq,
        added: frame.added.length,
        changed: frame.changed.length,
        removed: frame.removed.length,
        changedFields,
        changedSample,
        watched: watchedIn([...frame.added, ...frame.changed]),
      };
    }
    case 'event':
      return { ...base, eventType: frame.event.type };
    default:
      return base;
  }
}

const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/stream`, {
  headers: { authorization: `Bearer ${token}` },
  // A 50k-pair snapshot is well over ws's 100 MiB default.
  maxPayload: 1024 * 1024 * 1024,
  perMessageDeflate: false,
});
socket.on('upgrade', (response: IncomingMessage) => {
  wireSocket = response.socket;
});
socket.on('open', () => report({ kind: 'open', at: epochNow() }));
socket.on('message', (data: Buffer, isBinary: boolean) => {
  const at = epochNow();
  frames++;
  payloadBytes += data.length;
  if (isBinary) {
    report(baseReport('binary', at, data.length));
    return;
  }
  const parseStarted = performance.now();
  const frame = JSON.parse(data.toString('utf8')) as ServerFrame;
  report(describe(frame, at, data.length, performance.now() - parseStarted));
});
socket.on('error', (error) => report({ kind: 'error', message: error.message }));
socket.on('close', (code, reason) => {
  const closed: ClientReport = { kind: 'closed', code, reason: reason.toString() };
  process.send?.(closed, () => process.disconnect?.());
});

process.on('message', (command: ClientCommand) => {
  switch (command.kind) {
    case 'watch':
      watch = new Set(command.ids);
      report({ kind: 'watching' });
      return;
    case 'counters': {
      const at = epochNow();
      const originCounts: Record<string, number> = {};
      for (const v of views.values()) originCounts[v.keepaliveOrigin] = (originCounts[v.keepaliveOrigin] ?? 0) + 1;
      report({ kind: 'counters', at, payloadBytes, wireBytes: wireSocket?.bytesRead ?? 0, frames, originCounts });
      return;
    }
    case 'close':
      socket.close(1000, 'benchmark done');
      // A server that never answers the close must not keep this process alive.
      setTimeout(() => process.exit(0), 2000).unref();
      return;
  }
});
// The parent died or let go of us: nothing left to report to.
process.on('disconnect', () => {
  socket.terminate();
  process.exit(0);
});
