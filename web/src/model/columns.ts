/**
 * The connection table's columns as data: header text, whether numeric, and
 * the sort key — the one shared/ defines, so the server orders a windowed
 * table exactly as this browser orders a capture.
 */
import { SORT_KEYS, sortViews, type ColumnId, type ConnectionView, type SortKey, type SortSpec } from '@keepalive-dashboard/shared';

export { sortViews, type ColumnId, type SortKey, type SortSpec };

export interface ColumnDef {
  id: ColumnId;
  label: string;
  /** Longer text for the header's title. */
  title: string;
  sortKey(view: ConnectionView): SortKey;
  numeric: boolean;
}

const column = (id: ColumnId, label: string, title: string, numeric: boolean): ColumnDef => ({ id, label, title, numeric, sortKey: SORT_KEYS[id] });

export const COLUMNS: readonly ColumnDef[] = [
  column('state', 'State', 'TCP state', false),
  column('netns', 'Netns', 'Network namespace: its ip netns name, container or pod; host for the initial one', false),
  column('local', 'Local', 'Local address:port', false),
  column('peer', 'Peer', 'Peer address:port', false),
  column('process', 'Process', 'Command (pid) holding the socket', false),
  column('keepalive', 'KA', 'SO_KEEPALIVE on or off', false),
  column('idle', 'Idle', 'TCP_KEEPIDLE, s', true),
  column('interval', 'Intvl', 'TCP_KEEPINTVL, s', true),
  column('count', 'Cnt', 'TCP_KEEPCNT', true),
  column('nextProbe', 'Next probe', 'Time to the next keepalive probe (computed from tcp_info)', true),
  column('kernelTimer', 'Kernel', "The kernel's own lazy timer, as ss -o shows it", true),
  column('probes', 'Probes', 'Keepalive probes sent without answer / allowed before death', true),
  column('deadIn', 'Dead in', 'Time until the kernel declares a silent peer dead', true),
  column('rtt', 'RTT', 'Smoothed round-trip time', true),
  column('lastRecv', 'Last recv', 'Time since the peer was last heard from', true),
];

/** Clicking a header: a new column sorts ascending, the same column flips. */
export function nextSort(current: SortSpec, id: ColumnId): SortSpec {
  if (current.column === id) return { column: id, direction: current.direction === 'asc' ? 'desc' : 'asc' };
  return { column: id, direction: 'asc' };
}
