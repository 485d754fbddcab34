/** Summing up the stream client's frame reports. */
import type { FrameReport } from './stream-messages.js';

export interface FrameTally {
  frames: number;
  bytes: number;
  added: number;
  changed: number;
  removed: number;
  changedFields: Record<string, number>;
}

export function tally(frames: readonly FrameReport[]): FrameTally {
  const out: FrameTally = { frames: 0, bytes: 0, added: 0, changed: 0, removed: 0, changedFields: {} };
  for (const f of frames) {
    out.frames++;
    out.bytes += f.bytes;
    out.added += f.added;
    out.changed += f.changed;
    out.removed += f.removed;
    for (const [field, n] of Object.entries(f.changedFields ?? {})) out.changedFields[field] = (out.changedFields[field] ?? 0) + n;
  }
  return out;
}

export interface MostChanged {
  what: string;
  times: number;
  fields: string[];
}

/** The connections that appear most often among the frames' changed samples, and what changed in them. */
export function mostChanged(frames: readonly FrameReport[], top = 5): MostChanged[] {
  const byId = new Map<string, { what: string; times: number; fields: Set<string> }>();
  for (const f of frames) {
    for (const c of f.changedSample ?? []) {
      const entry = byId.get(c.id) ?? { what: c.what, times: 0, fields: new Set<string>() };
      entry.times++;
      for (const field of c.fields) entry.fields.add(field);
      byId.set(c.id, entry);
    }
  }
  return [...byId.values()]
    .sort((a, b) => b.times - a.times)
    .slice(0, top)
    .map((e) => ({ what: e.what, times: e.times, fields: [...e.fields] }));
}
