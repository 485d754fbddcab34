// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/**
 * The connection table: a real <table>, virtualized (only the rows in view
 * exist in the DOM, so 50 000 connections scroll smoothly), sortable on every
 * column, with live countdowns and keyboard navigation (↑ ↓ PgUp PgDn Home End,
 * Enter opens, Esc closes). A windowed table has `total` rows of which it
 * holds a slice: it tells the model which rows are on screen, and rows not
 * arrived yet show as placeholders.
 */
import { memo, useCallback, useEffect, useRef, type KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { urgency, type ConnectionView } from '@keepalive-dashboard/shared';

import { COLUMNS, type ColumnDef, type ColumnId } from '../model/columns.js';
import { useEnv, useModelState } from './context.js';
import { LiveText, useTick } from './live.js';

export const ROW_HEIGHT = 28;
const estimateRowSize = (): number => ROW_HEIGHT;
// By index, and one function for good: the virtualizer rebuilds its size table
// for every row whenever getItemKey changes identity (a new arrow each render
// cost ~1 s per scroll-second at 50k rows); rows all have one height anyway.
const itemKey = (index: number): number => index;
const HEADER_HEIGHT = 32;
// The scroller is sized by the page, never by its rows: contained, each frame's new rows lay out and paint
// the scroller alone (a relayout boundary), not the whole document around a 100k-row table.
const SCROLL_STYLE = { contain: 'strict' } as const;

interface RowProps {
  view: ConnectionView;
  index: number;
  selected: boolean;
  cursor: boolean;
  focusable: boolean;
  urgencyClass: string;
  onOpen: (id: string) => void;
}

/** One cell, as its column defines it; a countdown is written on the clock's tick, not by re-rendering. */
function Cell({ column, view }: { column: ColumnDef; view: ConnectionView }) {
  const className = column.cellClass(view) || undefined;
  const title = column.cellTitle(view);
  if (column.live) {
    return (
      <td className={className} title={title}>
        <LiveText compute={(now) => column.text(view, now)} />
      </td>
    );
  }
  const text = column.text(view, 0);
  const keep = column.keep?.(view) ?? '';
  if (keep && keep.length < text.length && text.endsWith(keep)) {
    // The label keeps the cell's name one text ("127.0.0.1:443"): flex parts would read as two words.
    return (
      <td className={className} title={title} aria-label={text}>
        <span className="cell-keep">
          <span className="cut">{text.slice(0, text.length - keep.length)}</span>
          <span className="kept">{keep}</span>
        </span>
      </td>
    );
  }
  return (
    <td className={className} title={title}>
      {text}
    </td>
  );
}

export const Row = memo(function Row({ view, index, selected, cursor, focusable, urgencyClass, onOpen }: RowProps) {
  const className = ['row', urgencyClass, selected ? 'row-selected' : '', cursor ? 'row-cursor' : '', `state-${view.state.toLowerCase()}`].filter(Boolean).join(' ');
  return (
    <tr
      className={className}
      data-id={view.id}
      data-index={index}
      aria-rowindex={index + 2}
      aria-current={selected ? 'true' : undefined}
      tabIndex={focusable ? 0 : -1}
      onClick={() => onOpen(view.id)}
    >
      {COLUMNS.map((column) => (
        <Cell key={column.id} column={column} view={view} />
      ))}
    </tr>
  );
});

function sortIndicator(active: boolean, direction: 'asc' | 'desc'): string {
  if (!active) return '';
  return direction === 'asc' ? ' ▲' : ' ▼';
}

// Memoized (no props): the page re-renders on every event it counts (several a second on a busy host);
// the table re-renders only for its own slices and its once-a-second tick.
export const ConnectionTable = memo(function ConnectionTable() {
  const { model } = useEnv();
  // Field by field: a frame that changes only the totals (or the filter text) re-renders no row.
  const rows = useModelState((s) => s.table.rows);
  const offset = useModelState((s) => s.table.offset);
  const total = useModelState((s) => s.table.total);
  const cursorId = useModelState((s) => s.table.cursorId);
  const sort = useModelState((s) => s.table.sort);
  const loading = useModelState((s) => s.table.loading);
  const known = useModelState((s) => s.table.known);
  const mode = useModelState((s) => s.table.mode);
  const selectedId = useModelState((s) => s.selection?.id ?? null);
  const unauthorized = useModelState((s) => s.link.unauthorized);
  useTick(1000);
  const scrollRef = useRef<HTMLDivElement>(null);
  const focusPending = useRef(false);

  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: estimateRowSize,
    overscan: 10,
    paddingStart: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
    getItemKey: itemKey,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0];
  const last = items[items.length - 1];
  const padTop = first ? first.start - HEADER_HEIGHT : 0;
  const padBottom = last ? virtualizer.getTotalSize() - last.end : 0;
  const firstIndex = first?.index ?? 0;
  const endIndex = last ? last.index + 1 : 0;

  // What is on screen, for a windowed model to ask the server for.
  useEffect(() => model.setVisibleRange(firstIndex, endIndex), [model, firstIndex, endIndex, total]);

  // After a keyboard move the cursor row may only exist after the scroll renders
  // it (windowed: after the server sends it). Meanwhile the focus stays in the
  // table, not on the body where the row it was on went, so keys keep working.
  useEffect(() => {
    const scroller = scrollRef.current;
    if (!focusPending.current || !scroller) return;
    const row = cursorId === null ? null : scroller.querySelector<HTMLTableRowElement>(`tr[data-id="${CSS.escape(cursorId)}"]`);
    if (row) {
      row.focus({ preventScroll: true });
      focusPending.current = false;
    } else if (!scroller.contains(document.activeElement)) scroller.focus({ preventScroll: true });
  });

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 300) / ROW_HEIGHT) - 2);
    const moves: Record<string, number | 'first' | 'last'> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, Home: 'first', End: 'last' };
    const move = moves[event.key];
    if (move !== undefined) {
      event.preventDefault();
      const index = model.moveCursor(move);
      if (index >= 0) {
        focusPending.current = true;
        virtualizer.scrollToIndex(index, { align: 'auto' });
      }
    } else if (event.key === 'Enter') {
      event.preventDefault();
      model.openCursor();
    }
  };

  const now = model.now();
  // Stable, so memoized rows that did not change are not re-rendered on scroll.
  const onOpen = useCallback((id: string): void => model.select(id), [model]);
  const focusIndex = cursorId === null ? 0 : -1;

  return (
    <div className="table-wrap">
      <div className="table-scroll" style={SCROLL_STYLE} ref={scrollRef} onKeyDown={onKeyDown} tabIndex={-1} data-testid="table-scroll">
        <table className="connections" aria-label="TCP connections" aria-rowcount={total + 1}>
          <thead>
            <tr aria-rowindex={1}>
              {COLUMNS.map((column) => {
                const active = sort.column === column.id;
                return (
                  <th
                    key={column.id}
                    scope="col"
                    className={column.numeric ? 'num' : undefined}
                    aria-sort={active ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none'}
                    title={column.title}
                  >
                    <button type="button" className="sort" onClick={() => model.setSort(column.id as ColumnId)}>
                      {column.label}
                      <span aria-hidden="true">{sortIndicator(active, sort.direction)}</span>
                    </button>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {padTop > 0 && (
              <tr aria-hidden="true" className="spacer" style={{ height: padTop }}>
                <td colSpan={COLUMNS.length} />
              </tr>
            )}
            {items.map((item) => {
              const view = rows[item.index - offset];
              if (!view) return <PlaceholderRow key={`placeholder-${item.index}`} index={item.index} />;
              const u = urgency(view, now);
              return (
                <Row
                  key={view.id}
                  view={view}
                  index={item.index}
                  selected={view.id === selectedId}
                  cursor={view.id === cursorId}
                  focusable={view.id === cursorId || item.index === focusIndex}
                  urgencyClass={u === 'normal' ? '' : `row-${u}`}
                  onOpen={onOpen}
                />
              );
            })}
            {padBottom > 0 && (
              <tr aria-hidden="true" className="spacer" style={{ height: padBottom }}>
                <td colSpan={COLUMNS.length} />
              </tr>
            )}
          </tbody>
        </table>
        {total === 0 && <TableEmpty loading={loading} known={known} unauthorized={unauthorized} mode={mode} />}
      </div>
    </div>
  );
});

/** A row the server has not sent yet (scrolled to, or re-sorted): its place, and nothing to click. */
function PlaceholderRow({ index }: { index: number }) {
  return (
    <tr className="row-placeholder" data-index={index} aria-rowindex={index + 2} aria-busy="true">
      <td colSpan={COLUMNS.length}>…</td>
    </tr>
  );
}

function TableEmpty({ loading, known, unauthorized, mode }: { loading: boolean; known: number; unauthorized: boolean; mode: 'live' | 'capture' }) {
  const { model } = useEnv();
  if (unauthorized) {
    return (
      <div className="empty" role="status">
        <strong>Not authorized.</strong> This page was opened without logging in, or its session ended (the server restarted). Open the login link
        that keepalive-dashboard printed (it ends in <code>/login?code=…</code>); each link works once, and the server prints a fresh one after each use.
      </div>
    );
  }
  if (loading && mode === 'live') {
    return (
      <div className="empty" role="status">
        Waiting for the first snapshot from the server…
      </div>
    );
  }
  if (known > 0) {
    return (
      <div className="empty" role="status">
        No connection matches these filters ({known.toLocaleString('en-US')} hidden).{' '}
        <button type="button" className="link" onClick={() => model.clearFilter()}>
          Clear filters
        </button>
      </div>
    );
  }
  return (
    <div className="empty" role="status">
      {mode === 'capture'
        ? 'This capture holds no TCP connection the parser could read (see the skipped lines above).'
        : 'No TCP connections are visible. Open one from the Lab tab, or check the server’s source and permissions in the Host tab.'}
    </div>
  );
}
