/**
 * A stream client's copy of the server's state, built only from what came
 * over the wire: the snapshot replaces it, each delta adds, replaces and
 * removes. It also checks the frames against each other (seq order, deltas
 * that add an id already held or change or remove one not held, size against
 * `totals`), because a model that silently drifts is the failure a load test
 * is there to catch.
 */
import type { ConnectionView, DeltaFrame, ServerFrame, SnapshotFrame } from '@keepalive-dashboard/shared';

/** Counters a client reports; plain numbers, so they cross an IPC channel as they are. */
export interface ModelCounters {
  /** Seq of the last snapshot or delta applied; -1 before the first snapshot. */
  seq: number;
  /** Seq of the last delta applied; -1 before the first. */
  lastDeltaSeq: number;
  frames: number;
  snapshots: number;
  deltas: number;
  events: number;
  otherFrames: number;
  /**
   * Deltas whose seq jumped past the previous seq + 1: the server folds what a
   * client that fell behind missed into one delta (newest state per id) and
   * sends it once the client drains. How many, and how many seqs they spanned.
   */
  foldedDeltas: number;
  seqsFolded: number;
  /** Deltas that added an id already held, changed or removed one not held, or came out of order. */
  inconsistencies: number;
  /** Frames after which the model's size differed from the frame's totals.connections. */
  sizeMismatches: number;
  size: number;
  /** The first few inconsistencies and size mismatches, in words. */
  problems: string[];
  /** For views in `changed`: how often each field differed from the model's copy (nested ones as `timer.expiresAt`). */
  changedFields: Record<string, number>;
}

/** The pseudo-field under which `changedFields` counts changed views that are the stream's own sockets. */
export const STREAM_SOCKET = '(an /api/stream socket)';

// Nested objects whose own fields are worth naming when they change.
const NESTED = new Set(['timer', 'tcpInfo', 'derived', 'keepalive']);

function differingFields(a: ConnectionView, b: ConnectionView): string[] {
  const out: string[] = [];
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof ConnectionView>) {
    const x = a[key];
    const y = b[key];
    if (NESTED.has(key) && x && y && typeof x === 'object' && typeof y === 'object') {
      const xo = x as unknown as Record<string, unknown>;
      const yo = y as unknown as Record<string, unknown>;
      for (const k of new Set([...Object.keys(xo), ...Object.keys(yo)])) if (JSON.stringify(xo[k]) !== JSON.stringify(yo[k])) out.push(`${key}.${k}`);
    } else if (JSON.stringify(x) !== JSON.stringify(y)) out.push(key);
  }
  return out;
}

const MAX_PROBLEMS = 5;

export class StreamModel {
  /**
   * With `tally`, counts which fields each changed view changed (a comparison
   * per changed view), and how many changed views were the stream's own
   * sockets (either end on `streamPort`): each delta they carry changes them.
   */
  constructor(private readonly tally?: { streamPort: number }) {}

  readonly views = new Map<string, ConnectionView>();
  private readonly counters: ModelCounters = {
    seq: -1,
    lastDeltaSeq: -1,
    frames: 0,
    snapshots: 0,
    deltas: 0,
    events: 0,
    otherFrames: 0,
    foldedDeltas: 0,
    seqsFolded: 0,
    inconsistencies: 0,
    sizeMismatches: 0,
    size: 0,
    problems: [],
    changedFields: {},
  };
  private readonly listeners = new Set<(frame: SnapshotFrame | DeltaFrame) => void>();

  get seq(): number {
    return this.counters.seq;
  }

  stats(): ModelCounters {
    return { ...this.counters, size: this.views.size, problems: [...this.counters.problems], changedFields: { ...this.counters.changedFields } };
  }

  /** Called after each snapshot or delta is applied, synchronously: the model is exactly at `frame.seq`. */
  onApplied(listener: (frame: SnapshotFrame | DeltaFrame) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  apply(frame: ServerFrame): void {
    this.counters.frames++;
    switch (frame.type) {
      case 'snapshot':
        this.applySnapshot(frame);
        break;
      case 'delta':
        this.applyDelta(frame);
        break;
      case 'event':
        this.counters.events++;
        return;
      default:
        this.counters.otherFrames++;
        return;
    }
    if (this.views.size !== frame.totals.connections) {
      this.counters.sizeMismatches++;
      this.note(`after ${frame.type} ${frame.seq}: model holds ${this.views.size}, totals say ${frame.totals.connections}`);
    }
    for (const listener of this.listeners) listener(frame);
  }

  private applySnapshot(frame: SnapshotFrame): void {
    this.counters.snapshots++;
    this.views.clear();
    for (const view of frame.connections) this.views.set(view.id, view);
    this.counters.seq = frame.seq;
  }

  private applyDelta(frame: DeltaFrame): void {
    const c = this.counters;
    c.deltas++;
    if (c.seq < 0) {
      this.problem(`delta ${frame.seq} before any snapshot`);
      return;
    }
    if (frame.seq <= c.seq) this.problem(`delta ${frame.seq} after seq ${c.seq} (out of order)`);
    else if (frame.seq !== c.seq + 1) {
      c.foldedDeltas++;
      c.seqsFolded += frame.seq - c.seq;
    }
    for (const view of frame.added) {
      if (this.views.has(view.id)) this.problem(`delta ${frame.seq} adds ${view.id}, already held`);
      this.views.set(view.id, view);
    }
    for (const view of frame.changed) {
      const prev = this.views.get(view.id);
      if (!prev) this.problem(`delta ${frame.seq} changes ${view.id}, not held`);
      else if (this.tally) {
        const fields = differingFields(prev, view);
        if (view.local.port === this.tally.streamPort || view.peer.port === this.tally.streamPort) fields.push(STREAM_SOCKET);
        for (const field of fields) c.changedFields[field] = (c.changedFields[field] ?? 0) + 1;
      }
      this.views.set(view.id, view);
    }
    for (const id of frame.removed) {
      if (!this.views.delete(id)) this.problem(`delta ${frame.seq} removes ${id}, not held`);
    }
    c.seq = Math.max(c.seq, frame.seq);
    c.lastDeltaSeq = frame.seq;
  }

  private problem(text: string): void {
    this.counters.inconsistencies++;
    this.note(text);
  }

  private note(text: string): void {
    if (this.counters.problems.length < MAX_PROBLEMS) this.counters.problems.push(text);
  }
}
