/**
 * The connections the browser knows, by id: a snapshot replaces them all, a
 * delta adds, changes and removes. `version` bumps on every change so views
 * recompute only when something did change.
 */
import type { ConnectionView, DeltaFrame, SnapshotFrame } from '@keepalive-dashboard/shared';

export class ConnectionSet {
  private byId = new Map<string, ConnectionView>();
  private list: ConnectionView[] | null = [];
  version = 0;
  /** seq of the last frame applied. */
  seq = -1;

  get size(): number {
    return this.byId.size;
  }

  get(id: string): ConnectionView | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** All connections, in arrival order; the same array until the next change. */
  all(): ConnectionView[] {
    if (this.list === null) this.list = [...this.byId.values()];
    return this.list;
  }

  replace(views: readonly ConnectionView[], seq = -1): void {
    this.byId = new Map(views.map((v) => [v.id, v]));
    this.seq = seq;
    this.touch();
  }

  applySnapshot(frame: Pick<SnapshotFrame, 'connections' | 'seq'>): void {
    this.replace(frame.connections, frame.seq);
  }

  /** Returns the ids it touched (added, changed or removed). */
  applyDelta(frame: Pick<DeltaFrame, 'added' | 'changed' | 'removed' | 'seq'>): Set<string> {
    const touched = new Set<string>();
    for (const view of frame.added) {
      this.byId.set(view.id, view);
      touched.add(view.id);
    }
    for (const view of frame.changed) {
      this.byId.set(view.id, view);
      touched.add(view.id);
    }
    for (const id of frame.removed) {
      if (this.byId.delete(id)) touched.add(id);
    }
    this.seq = frame.seq;
    if (touched.size > 0) this.touch();
    return touched;
  }


  private touch(): void {
    this.list = null;
    this.version++;
  }
}
