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
import { deadAt, keepaliveStatus, kernelTimerAt, lastRecvAt, nextProbeAt, probesAllowed, probesOut, remainingMs, urgency, type ConnectionView } from '@keepalive-dashboard/shared';

import { COLUMNS, type ColumnId } from '../model/columns.js';
import { useEnv, useModelState } from './context.js';
import { endpoint, formatDuration, holdersTitle, netnsTitle, processLabel, rttLabel } from './format.js';
import { LiveText, useTick } from './live.js';

export const ROW_HEIGHT = 28;
const estimateRowSize = (): number => ROW_HEIGHT;
// By index, and one function for good: the virtualizer rebuilds its size table
// for every row whenever getItemKey changes identity (a new arrow each render
// cost ~1 s per scroll-second at 50k rows); rows all have one height anyway.
const itemKey = (index: number): number => index;
const HEADER_HEIGHT = 32;

const TIMER_SHORT: Record<string, string> = { retransmit: 'rexmit', timewait: 'tw', persist: 'persist', unknown: '?', keepalive: '' };

function kernelTimerText(view: ConnectionView, now: number): string {
  const at = kernelTimerAt(view);
  if (at === null) return '—';
  const prefix = TIMER_SHORT[view.timer.kind] ?? view.timer.kind;
  const text = formatDuration(remainingMs(at, now), false);
  return prefix ? `${prefix} ${text}` : text;
}

const KEEPALIVE_LABELS = { on: 'on', off: 'off', unknown: '?' } as const;

function keepaliveLabel(view: ConnectionView): string {
  return KEEPALIVE_LABELS[keepaliveStatus(view)];
}

interface RowProps {
  view: ConnectionView;
  index: number;
  selected: boolean;
  cursor: boolean;
  focusable: boolean;
  urgencyClass: string;
  onOpen: (id: string) => void;
}

/** A keepalive setting; muted, with why, when keepalive is off (it will not probe). */
function SettingCell({ value, unused }: { value: number | undefined; unused: boolean }) {
  if (value === undefined) return <td className="num">—</td>;
  return (
    <td className={unused ? 'num ka-unused' : 'num'} title={unused ? 'stored on the socket, unused while keepalive is off' : undefined}>
      {value}
    </td>
  );
}

export const Row = memo(function Row({ view, index, selected, cursor, focusable, urgencyClass, onOpen }: RowProps) {
  const settings = view.keepalive;
  const out = probesOut(view);
  const allowed = probesAllowed(view);
  // Read back but off: the values are stored on the socket and do nothing until keepalive is turned on.
  const unused = settings !== null && !settings.enabled;
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
      <td className="c-state">{view.state}</td>
      <td className={view.netns?.own ? 'c-netns netns-own' : 'c-netns'} title={netnsTitle(view.netns)}>
        {view.netns?.label ?? '—'}
      </td>
      <td className="c-endpoint" title={endpoint(view.local)}>
        {endpoint(view.local)}
      </td>
      <td className="c-endpoint" title={endpoint(view.peer)}>
        {endpoint(view.peer)}
      </td>
      <td className="c-process" title={holdersTitle(view) || undefined}>
        {processLabel(view)}
      </td>
      <td className={`c-ka ka-${keepaliveLabel(view)}`} title={`settings: ${view.keepaliveOrigin}`}>
        {keepaliveLabel(view)}
      </td>
      <SettingCell value={settings?.idleSec} unused={unused} />
      <SettingCell value={settings?.intervalSec} unused={unused} />
      <SettingCell value={settings?.count} unused={unused} />
      <td className="num c-next">
        <LiveText compute={(now) => formatDuration(remainingMs(nextProbeAt(view), now))} />
      </td>
      <td className="num c-kernel">
        <LiveText compute={(now) => kernelTimerText(view, now)} />
      </td>
      <td className="num">{out === null || unused ? '—' : `${out} / ${allowed ?? '?'}`}</td>
      <td className="num c-dead">
        <LiveText compute={(now) => formatDuration(remainingMs(deadAt(view), now), false)} />
      </td>
      <td className="num">{rttLabel(view.tcpInfo?.rtt)}</td>
      <td className="num">
        <LiveText
          compute={(now) => {
            const at = lastRecvAt(view);
            return at === null ? '—' : formatDuration(Math.max(0, now - at), false);
          }}
        />
      </td>
    </tr>
  );
});

function sortIndicator(active: boolean, direction: 'asc' | 'desc'): string {
  if (!active) return '';
  return direction === 'asc' ? ' ▲' : ' ▼';
}

export function ConnectionTable() {
  const { model } = useEnv();
  const table = useModelState((s) => s.table);
  const selectedId = useModelState((s) => s.selection?.id ?? null);
  const unauthorized = useModelState((s) => s.link.unauthorized);
  useTick(1000);
  const scrollRef = useRef<HTMLDivElement>(null);
  const focusPending = useRef(false);
  const { rows, offset, total } = table;

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
    const row = table.cursorId === null ? null : scroller.querySelector<HTMLTableRowElement>(`tr[data-id="${CSS.escape(table.cursorId)}"]`);
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
  const focusIndex = table.cursorId === null ? 0 : -1;

  return (
    <div className="table-wrap">
      <div className="table-scroll" ref={scrollRef} onKeyDown={onKeyDown} tabIndex={-1} data-testid="table-scroll">
        <table className="connections" aria-label="TCP connections" aria-rowcount={total + 1}>
          <thead>
            <tr aria-rowindex={1}>
              {COLUMNS.map((column) => {
                const active = table.sort.column === column.id;
                return (
                  <th
                    key={column.id}
                    scope="col"
                    className={column.numeric ? 'num' : undefined}
                    aria-sort={active ? (table.sort.direction === 'asc' ? 'ascending' : 'descending') : 'none'}
                    title={column.title}
                  >
                    <button type="button" className="sort" onClick={() => model.setSort(column.id as ColumnId)}>
                      {column.label}
                      <span aria-hidden="true">{sortIndicator(active, table.sort.direction)}</span>
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
                  cursor={view.id === table.cursorId}
                  focusable={view.id === table.cursorId || item.index === focusIndex}
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
        {total === 0 && <TableEmpty loading={table.loading} known={table.known} unauthorized={unauthorized} mode={table.mode} />}
      </div>
    </div>
  );
}

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
