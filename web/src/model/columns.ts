/**
 * The connection table's columns as data, each defined once (after
 * TanStack's column definitions): header text, the sort key (the one shared/
 * defines, so the server orders a windowed table exactly as this browser
 * orders a capture), the cell's text and hover, and what an export writes.
 *
 * Exports are plain values — numbers with the unit in the field's name
 * (`idle_s`, `dead_in_s`), ISO 8601 where a time is absolute — and names
 * from other users escaped as on screen: a CSV opened in an editor must not
 * obey a bidi override either.
 */
import {
  deadAt,
  escapeControl,
  keepaliveStatus,
  kernelTimerAt,
  lastRecvAt,
  nextProbeAt,
  probesAllowed,
  probesOut,
  remainingMs,
  SORT_KEYS,
  sortViews,
  type AdvisoryKind,
  type ColumnId,
  type ConnectionView,
  type SortKey,
  type SortSpec,
} from '@keepalive-dashboard/shared';

import { deadAtTitle, deadInText, endpoint, formatDuration, holdersTitle, netnsTitle, processLabel, rttLabel } from '../view/format.js';

export { sortViews, type ColumnId, type SortKey, type SortSpec };

/** A value as exported: JSON writes it as is, CSV as text (null as an empty cell). */
export type ExportValue = string | number | boolean | null;

export interface ExportField {
  /** snake_case, unit last: `idle_s`, `rtt_ms`, `dead_at` (ISO time). */
  name: string;
  value(view: ConnectionView, now: number): ExportValue;
}

export interface ColumnDef {
  id: ColumnId;
  label: string;
  /** Longer text for the header's title. */
  title: string;
  sortKey(view: ConnectionView): SortKey;
  numeric: boolean;
  /** The text changes with the clock (a countdown): the table writes it on each tick, not each render. */
  live: boolean;
  /** The cell's text at server time `now`. */
  text(view: ConnectionView, now: number): string;
  /** The cell's class names (the stylesheet keys on them). */
  cellClass(view: ConnectionView): string;
  cellTitle(view: ConnectionView): string | undefined;
  /**
   * The end of the text that must stay in view when the cell is too narrow
   * (a port, a pid): the rest is cut with an ellipsis before it, never it.
   */
  keep?(view: ConnectionView): string;
  /** At least one field; some columns export more than they show (a pid beside the name, an absolute time beside a countdown). */
  exports: readonly ExportField[];
}

/** A few characters per advisory kind for the cell; the full text is its title. */
export const ADVISORY_LABELS: Readonly<Record<AdvisoryKind, string>> = {
  'keepalive-off-idle': 'off+idle',
  'user-timeout-below-idle': 'uto<idle',
  'user-timeout-cuts-probes': 'uto cuts',
  'idle-exceeds-middlebox': 'idle>NAT',
  'namespace-defaults': 'ns dflt',
};
// A server newer than this page may send a kind it does not know: show its code rather than nothing.
const advisoryLabel = (code: string): string => ADVISORY_LABELS[code as AdvisoryKind] ?? code;

const TIMER_SHORT: Record<string, string> = { retransmit: 'rexmit', timewait: 'tw', persist: 'persist', unknown: '?', keepalive: '' };
const KEEPALIVE_LABELS = { on: 'on', off: 'off', unknown: '?' } as const;

/** Read back but off: the values are stored on the socket and do nothing until keepalive is turned on. */
const settingsUnused = (view: ConnectionView): boolean => view.keepalive !== null && !view.keepalive.enabled;
const seconds = (ms: number | null): number | null => (ms === null ? null : ms / 1000);
const iso = (at: number | null): string | null => (at === null ? null : new Date(at).toISOString());
const field = (name: string, value: ExportField['value']): ExportField => ({ name, value });

type Spec = Omit<ColumnDef, 'id' | 'sortKey' | 'live' | 'cellClass' | 'cellTitle'> & Partial<Pick<ColumnDef, 'live' | 'cellClass' | 'cellTitle'>>;

/** ":443" of "[::ffff:127.0.0.1]:443": the port outlives a long address. */
const portPart = (text: string): string => text.slice(text.lastIndexOf(':'));
/** "(1234) +2" of "python3 (1234) +2": the pid outlives a long name. */
const pidPart = (text: string): string => {
  const at = text.lastIndexOf(' (');
  return at < 0 ? '' : text.slice(at);
};

function column(id: ColumnId, spec: Spec): ColumnDef {
  return { id, sortKey: SORT_KEYS[id], live: false, cellClass: () => (spec.numeric ? 'num' : ''), cellTitle: () => undefined, ...spec };
}

function setting(id: 'idle' | 'interval' | 'count', label: string, title: string, exportName: string, pick: (s: NonNullable<ConnectionView['keepalive']>) => number): ColumnDef {
  return column(id, {
    label,
    title,
    numeric: true,
    text: (v) => (v.keepalive ? String(pick(v.keepalive)) : '—'),
    cellClass: (v) => (settingsUnused(v) ? 'num ka-unused' : 'num'),
    cellTitle: (v) => (settingsUnused(v) ? 'stored on the socket, unused while keepalive is off' : undefined),
    exports: [field(exportName, (v) => (v.keepalive ? pick(v.keepalive) : null))],
  });
}

function kernelTimerText(view: ConnectionView, now: number): string {
  const at = kernelTimerAt(view);
  if (at === null) return '—';
  const prefix = TIMER_SHORT[view.timer.kind] ?? view.timer.kind;
  const text = formatDuration(remainingMs(at, now), false);
  return prefix ? `${prefix} ${text}` : text;
}

/** Probes out, or null where they mean nothing (unknown, or keepalive off: it will not probe). */
const probesShown = (v: ConnectionView): number | null => (settingsUnused(v) ? null : probesOut(v));

export const COLUMNS: readonly ColumnDef[] = [
  column('state', { label: 'State', title: 'TCP state', numeric: false, text: (v) => v.state, cellClass: () => 'c-state', exports: [field('state', (v) => v.state)] }),
  column('netns', {
    label: 'Netns',
    title: 'Network namespace: its ip netns name, container or pod; host for the initial one',
    numeric: false,
    text: (v) => v.netns?.label ?? '—',
    cellClass: (v) => (v.netns?.own ? 'c-netns netns-own' : 'c-netns'),
    cellTitle: (v) => netnsTitle(v.netns),
    exports: [field('netns', (v) => v.netns?.label ?? null), field('netns_inode', (v) => v.netns?.inode ?? null)],
  }),
  column('local', { label: 'Local', title: 'Local address:port', numeric: false, text: (v) => endpoint(v.local), keep: (v) => portPart(endpoint(v.local)), cellClass: () => 'c-endpoint', cellTitle: (v) => endpoint(v.local), exports: [field('local', (v) => endpoint(v.local))] }),
  column('peer', { label: 'Peer', title: 'Peer address:port', numeric: false, text: (v) => endpoint(v.peer), keep: (v) => portPart(endpoint(v.peer)), cellClass: () => 'c-endpoint', cellTitle: (v) => endpoint(v.peer), exports: [field('peer', (v) => endpoint(v.peer))] }),
  column('process', {
    label: 'Process',
    title: 'Command (pid) holding the socket',
    numeric: false,
    text: processLabel,
    keep: (v) => pidPart(processLabel(v)),
    cellClass: () => 'c-process',
    cellTitle: (v) => holdersTitle(v) || undefined,
    exports: [
      field('process', (v) => (v.holders[0] ? escapeControl(v.holders[0].comm) : null)),
      field('pid', (v) => v.holders[0]?.pid ?? null),
      field('cmdline', (v) => (v.holders[0]?.cmdline ? escapeControl(v.holders[0].cmdline) : null)),
      field('holders', (v) => v.holders.length),
    ],
  }),
  column('keepalive', {
    label: 'KA',
    title: 'SO_KEEPALIVE on or off',
    numeric: false,
    text: (v) => KEEPALIVE_LABELS[keepaliveStatus(v)],
    cellClass: (v) => `c-ka ka-${KEEPALIVE_LABELS[keepaliveStatus(v)]}`,
    cellTitle: (v) => `settings: ${v.keepaliveOrigin}`,
    exports: [field('keepalive', keepaliveStatus), field('keepalive_origin', (v) => v.keepaliveOrigin)],
  }),
  setting('idle', 'Idle', 'TCP_KEEPIDLE, s', 'idle_s', (s) => s.idleSec),
  setting('interval', 'Intvl', 'TCP_KEEPINTVL, s', 'interval_s', (s) => s.intervalSec),
  setting('count', 'Cnt', 'TCP_KEEPCNT', 'count', (s) => s.count),
  column('nextProbe', {
    label: 'Next probe',
    title: 'Time to the next keepalive probe (computed from tcp_info)',
    numeric: true,
    live: true,
    text: (v, now) => formatDuration(remainingMs(nextProbeAt(v), now)),
    cellClass: () => 'num c-next',
    exports: [field('next_probe_in_s', (v, now) => seconds(remainingMs(nextProbeAt(v), now))), field('next_probe_at', (v) => iso(nextProbeAt(v)))],
  }),
  column('kernelTimer', {
    label: 'Kernel',
    title: "The kernel's own lazy timer, as ss -o shows it",
    numeric: true,
    live: true,
    text: kernelTimerText,
    cellClass: () => 'num c-kernel',
    exports: [field('kernel_timer', (v) => (kernelTimerAt(v) === null ? null : v.timer.kind)), field('kernel_timer_in_s', (v, now) => seconds(remainingMs(kernelTimerAt(v), now)))],
  }),
  column('probes', {
    label: 'Probes',
    title: 'Keepalive probes sent without answer / allowed before death',
    numeric: true,
    text: (v) => {
      const out = probesShown(v);
      return out === null ? '—' : `${out} / ${probesAllowed(v) ?? '?'}`;
    },
    exports: [field('probes_out', probesShown), field('probes_allowed', (v) => (probesShown(v) === null ? null : probesAllowed(v)))],
  }),
  column('deadIn', {
    label: 'Dead in',
    title: 'Time until the kernel declares a silent peer dead',
    numeric: true,
    live: true,
    text: (v, now) => deadInText(deadAt(v), now),
    cellClass: () => 'num c-dead',
    cellTitle: (v) => deadAtTitle(deadAt(v)),
    exports: [field('dead_in_s', (v, now) => seconds(remainingMs(deadAt(v), now))), field('dead_at', (v) => iso(deadAt(v)))],
  }),
  column('rtt', { label: 'RTT', title: 'Smoothed round-trip time', numeric: true, text: (v) => rttLabel(v.tcpInfo?.rtt), exports: [field('rtt_ms', (v) => (v.tcpInfo?.rtt === undefined ? null : v.tcpInfo.rtt / 1000))] }),
  column('lastRecv', {
    label: 'Last recv',
    title: 'Time since the peer was last heard from',
    numeric: true,
    live: true,
    text: (v, now) => {
      const at = lastRecvAt(v);
      return at === null ? '—' : formatDuration(Math.max(0, now - at), false);
    },
    exports: [field('last_recv_ago_s', (v, now) => { const at = lastRecvAt(v); return at === null ? null : Math.max(0, now - at) / 1000; }), field('last_recv_at', (v) => iso(lastRecvAt(v)))],
  }),
  // Last, so the columns before it keep their places (scripts and tests read cells by position).
  column('advisories', {
    label: 'Risk',
    title: 'Advisories: keepalive settings that will not do what their owner probably expects',
    numeric: false,
    text: (v) => v.advisories.map((a) => advisoryLabel(a.code)).join(' '),
    cellClass: (v) => (v.advisories.length > 0 ? 'c-risk at-risk' : 'c-risk'),
    cellTitle: (v) => (v.advisories.length > 0 ? v.advisories.map((a) => escapeControl(a.message)).join('\n') : undefined),
    exports: [field('advisories', (v) => v.advisories.map((a) => a.code).join(' ') || null), field('advisory_count', (v) => v.advisories.length)],
  }),
];

/** Clicking a header: a new column sorts ascending, the same column flips. */
export function nextSort(current: SortSpec, id: ColumnId): SortSpec {
  if (current.column === id) return { column: id, direction: current.direction === 'asc' ? 'desc' : 'asc' };
  return { column: id, direction: 'asc' };
}
