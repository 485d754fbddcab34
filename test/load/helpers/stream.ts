/**
 * Stream clients over a real WebSocket: one that keeps a model from the
 * snapshot and every delta (bench/soak/model.ts, the soak's own), and
 * one-shot fresh snapshots to hold that model against.
 */
import { isDeepStrictEqual } from 'node:util';

import WebSocket from 'ws';

import type { ConnectionView, DeltaFrame, ServerFrame, SnapshotFrame } from '@keepalive-dashboard/shared';

import { StreamModel } from '../../../bench/soak/model.js';

const WS_OPTIONS = { maxPayload: 1024 * 1024 * 1024, perMessageDeflate: false };

function connect(url: string, token: string): WebSocket {
  return new WebSocket(`${url.replace(/^http/, 'ws')}/api/stream`, { headers: { authorization: `Bearer ${token}` }, ...WS_OPTIONS });
}

export interface ModelStream {
  model: StreamModel;
  socket: WebSocket;
  /** Resolves after the next snapshot or delta has been applied. */
  nextApplied(timeoutMs?: number): Promise<SnapshotFrame | DeltaFrame>;
  close(): void;
}

export async function openModelStream(url: string, token: string, timeoutMs = 30_000): Promise<ModelStream> {
  const model = new StreamModel();
  const socket = connect(url, token);
  socket.on('message', (data: Buffer) => model.apply(JSON.parse(data.toString('utf8')) as ServerFrame));
  socket.on('error', () => {});
  const nextApplied = (ms = 10_000): Promise<SnapshotFrame | DeltaFrame> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no snapshot or delta within ${ms} ms (model at seq ${model.seq})`));
      }, ms);
      const off = model.onApplied((frame) => {
        clearTimeout(timer);
        off();
        resolve(frame);
      });
    });
  const first = nextApplied(timeoutMs);
  await first;
  return { model, socket, nextApplied, close: () => socket.terminate() };
}

/** A fresh snapshot: the first frame on a new WebSocket, which is then closed. */
export async function fetchSnapshot(url: string, token: string, timeoutMs = 30_000): Promise<SnapshotFrame> {
  const socket = connect(url, token);
  try {
    return await new Promise<SnapshotFrame>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no snapshot within ${timeoutMs} ms`)), timeoutMs);
      socket.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString('utf8')) as ServerFrame;
        if (frame.type !== 'snapshot') return;
        clearTimeout(timer);
        resolve(frame);
      });
    });
  } finally {
    socket.terminate();
  }
}

/** The fields a model must agree on with the server. */
export function essentials(view: ConnectionView) {
  return { id: view.id, state: view.state, local: view.local, peer: view.peer, timerKind: view.timer.kind, keepalive: view.keepalive };
}

export interface ModelComparison {
  seq: number;
  modelSize: number;
  snapshotSize: number;
  onlyInModel: string[];
  onlyInSnapshot: string[];
  /** Same id, different essentials: the first few, both sides. */
  differing: { id: string; model: ReturnType<typeof essentials>; snapshot: ReturnType<typeof essentials> }[];
  differingCount: number;
  /** Same id, views not deep-equal in every field (times and tcp_info included). */
  notFullyEqual: number;
  /** How many tries it took to catch the model and a snapshot at the same seq. */
  attempts: number;
}

function compare(model: Map<string, ConnectionView>, snapshot: SnapshotFrame, attempts: number): ModelComparison {
  const fresh = new Map(snapshot.connections.map((v) => [v.id, v]));
  const onlyInModel = [...model.keys()].filter((id) => !fresh.has(id));
  const onlyInSnapshot = [...fresh.keys()].filter((id) => !model.has(id));
  const differing: ModelComparison['differing'] = [];
  let differingCount = 0;
  let notFullyEqual = 0;
  for (const [id, view] of model) {
    const other = fresh.get(id);
    if (!other) continue;
    if (!isDeepStrictEqual(view, other)) notFullyEqual++;
    const a = essentials(view);
    const b = essentials(other);
    if (!isDeepStrictEqual(a, b)) {
      differingCount++;
      if (differing.length < 5) differing.push({ id, model: a, snapshot: b });
    }
  }
  return { seq: snapshot.seq, modelSize: model.size, snapshotSize: fresh.size, onlyInModel, onlyInSnapshot, differing, differingCount, notFullyEqual, attempts };
}

/**
 * Holds the model against a fresh snapshot taken at the same seq: the model
 * is copied at the very moment it has applied that seq's delta. A collection
 * between the two may move either past the other, so it tries again.
 */
export async function compareWithFreshSnapshot(stream: ModelStream, url: string, token: string, attempts = 5): Promise<ModelComparison> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    // Just after a collection: the next is about an interval away.
    await stream.nextApplied();
    const snapshot = await fetchSnapshot(url, token);
    if (stream.model.seq === snapshot.seq) return compare(new Map(stream.model.views), snapshot, attempt);
    if (stream.model.seq > snapshot.seq) continue;
    const copy = await new Promise<Map<string, ConnectionView> | null>((resolve) => {
      const timer = setTimeout(() => done(null), 10_000);
      const off = stream.model.onApplied((frame) => {
        if (frame.seq === snapshot.seq) done(new Map(stream.model.views));
        else if (frame.seq > snapshot.seq) done(null);
      });
      function done(result: Map<string, ConnectionView> | null): void {
        clearTimeout(timer);
        off();
        resolve(result);
      }
    });
    if (copy) return compare(copy, snapshot, attempt);
  }
  throw new Error(`could not catch the model and a fresh snapshot at the same seq in ${attempts} tries (model at ${stream.model.seq})`);
}
