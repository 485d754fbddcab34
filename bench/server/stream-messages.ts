/**
 * What the stream client child (./stream-client.ts) and the benchmark say to
 * each other over the IPC channel. Times are epoch ms with sub-ms resolution
 * (performance.timeOrigin + performance.now()), comparable across processes.
 */

export interface FrameReport {
  kind: 'frame';
  type: string;
  /** When the whole message had arrived, before it was parsed. */
  at: number;
  /** Payload bytes of this message (the JSON text). */
  bytes: number;
  /** Bytes read from the TCP socket so far, WebSocket framing and the upgrade response included. */
  wireBytesTotal: number;
  seq: number | null;
  added: number;
  changed: number;
  removed: number;
  /** Snapshot only: connections in it, how long JSON.parse took, and where each keepalive setting came from. */
  connections?: number;
  parseMs?: number;
  originCounts?: Record<string, number>;
  /** Delta only: for each field that differs from the client's previous copy, how many views changed it. */
  changedFields?: Record<string, number>;
  /** Delta only: the first few changed connections, described, with the fields that changed. */
  changedSample?: { id: string; what: string; fields: string[] }[];
  /** Snapshot only: connections held by a process outside this run (KA_BENCH_OWN_PIDS), and with no known holder. */
  heldByOthers?: number;
  noKnownHolder?: number;
  /** Event only: the event's type. */
  eventType?: string;
  /** Watched connections present in this frame's added/changed (or snapshot), with their TCP_KEEPIDLE. */
  watched: { id: string; idleSec: number | null }[];
}

export interface CountersReport {
  kind: 'counters';
  at: number;
  payloadBytes: number;
  wireBytes: number;
  frames: number;
  /** Where each keepalive setting came from, over the client's current copy of the table. */
  originCounts: Record<string, number>;
}

export type ClientReport =
  | { kind: 'open'; at: number }
  | FrameReport
  | { kind: 'watching' }
  | CountersReport
  | { kind: 'closed'; code: number; reason: string }
  | { kind: 'error'; message: string };

export type ClientCommand = { kind: 'watch'; ids: string[] } | { kind: 'counters' } | { kind: 'close' };

export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
