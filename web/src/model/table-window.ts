/**
 * The browser's side of a windowed table: which slice of the server's
 * filtered, sorted rows it asks for, and the rows it holds. It holds exactly
 * the rows the last window frame names — the server keeps the same account,
 * so a frame carries only rows missing here or changed since.
 */
import { MAX_WINDOW_ROWS, type ConnectionFilter, type ConnectionView, type SortSpec, type WindowFrame, type WindowRequest } from '@keepalive-dashboard/shared';

/** Rows asked for beyond each edge of what is on screen, so a short scroll finds them already here. */
export const WINDOW_OVERSCAN_ROWS = 100;
/**
 * Visible rows may come this close to the edge of the slice held before a new
 * one is asked for. Asked early, the rows of a steady scroll arrive before they
 * are on screen and mount a few a frame as they scroll in; asked late (25), a
 * frame's worth of placeholders turned into rows at once when the frame came,
 * a 40–90 ms task in the middle of the scroll.
 */
const EDGE_ROWS = 75;
/** The first slice, before the table has said what it shows: a screenful and its overscan. */
export const FIRST_WINDOW_ROWS = 200;

export interface WindowQuery {
  filter: ConnectionFilter;
  search: string;
  sort: SortSpec;
}

export interface WindowRange {
  offset: number;
  limit: number;
}

/** What the table shows: `total` rows, of which rows[0..] sit from `offset` on; the rest are placeholders. */
export interface WindowRows {
  rows: ConnectionView[];
  offset: number;
  total: number;
}

export function queryKey(query: WindowQuery): string {
  return JSON.stringify([query.filter, query.search.trim(), query.sort.column, query.sort.direction]);
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class TableWindow {
  private held = new Map<string, ConnectionView>();
  /** The ids of the last frame (whichever request it answered): what `held` holds, in order. */
  private heldIds: readonly string[] = [];
  /** rows() as last built, until a frame changes the slice or a row in it. */
  private shownRows: WindowRows | null = null;
  /** The last frame that answers the newest request: what the table shows. */
  private shown: WindowFrame | null = null;
  private requestId = 0;
  private range: WindowRange = { offset: 0, limit: FIRST_WINDOW_ROWS };

  /** A new socket: the server holds no account of this client, so neither does it. */
  reset(): void {
    this.held = new Map();
    this.heldIds = [];
    this.shown = null;
    this.shownRows = null;
  }

  /** The request for `query` over `range` (or the slice asked for last). */
  request(query: WindowQuery, range: WindowRange = this.range): WindowRequest {
    this.range = range;
    this.requestId++;
    const search = query.search.trim();
    return { type: 'window', filter: query.filter, ...(search ? { search } : {}), sort: query.sort, offset: range.offset, limit: range.limit, requestId: this.requestId };
  }

  /**
   * Takes a frame into what is held; true when it answers the newest request
   * (a frame for an older one is still counted, but not shown: its order or
   * slice is no longer what the table asks for). A frame naming the same ids
   * keeps the map and changes only the rows it sends; the slice shown is
   * rebuilt only when a row in it changed, so a table fed the same rows
   * re-renders nothing.
   */
  apply(frame: WindowFrame): boolean {
    if (sameIds(this.heldIds, frame.ids)) {
      for (const view of frame.rows) this.held.set(view.id, view);
    } else {
      const sent = new Map(frame.rows.map((v) => [v.id, v]));
      const held = new Map<string, ConnectionView>();
      for (const id of frame.ids) {
        const view = sent.get(id) ?? this.held.get(id);
        if (view) held.set(id, view);
      }
      this.held = held;
      this.shownRows = null;
    }
    this.heldIds = frame.ids;
    if (frame.rows.length > 0) this.shownRows = null;
    if (frame.requestId !== this.requestId) return false;
    const previous = this.shown;
    if (!previous || previous.offset !== frame.offset || previous.total !== frame.total || !sameIds(previous.ids, frame.ids)) this.shownRows = null;
    this.shown = frame;
    return true;
  }

  get(id: string): ConnectionView | undefined {
    return this.held.get(id);
  }

  /** The shown slice, cut at the first row not held (it cannot happen while both sides keep the same account; a hole would misplace every row after it). */
  rows(): WindowRows | null {
    const frame = this.shown;
    if (!frame) return null;
    if (this.shownRows) return this.shownRows;
    const rows: ConnectionView[] = [];
    for (const id of frame.ids) {
      const view = this.held.get(id);
      if (!view) break;
      rows.push(view);
    }
    this.shownRows = { rows, offset: frame.offset, total: frame.total };
    return this.shownRows;
  }

  /** The slice to ask for so rows [start, end) are on hand, or null when the one asked for covers them. */
  rangeFor(start: number, end: number): WindowRange | null {
    const total = this.shown?.total ?? Number.POSITIVE_INFINITY;
    const { offset, limit } = this.range;
    const needFrom = Math.max(0, start - EDGE_ROWS);
    const needTo = Math.min(total, end + EDGE_ROWS);
    if (needFrom >= offset && needTo <= offset + limit) return null;
    const from = Math.max(0, start - WINDOW_OVERSCAN_ROWS);
    return { offset: from, limit: Math.min(MAX_WINDOW_ROWS, Math.max(1, end - from + WINDOW_OVERSCAN_ROWS)) };
  }
}
