/**
 * The connection table's columns: what each sorts by. Times sort by their
 * absolute server time, which orders rows exactly as their countdowns do
 * without depending on "now".
 */
import { deadAt, keepaliveOn, kernelTimerAt, lastRecvAt, nextProbeAt, probesOut, type ConnectionView, type Endpoint } from '@keepalive-dashboard/shared';

export const COLUMN_IDS = [
  'state',
  'local',
  'peer',
  'process',
  'keepalive',
  'idle',
  'interval',
  'count',
  'nextProbe',
  'kernelTimer',
  'probes',
  'deadIn',
  'rtt',
  'lastRecv',
] as const;
export type ColumnId = (typeof COLUMN_IDS)[number];

export type SortKey = number | string | null;

export interface ColumnDef {
  id: ColumnId;
  label: string;
  /** Longer text for the header's title. */
  title: string;
  sortKey(view: ConnectionView): SortKey;
  numeric: boolean;
}

/** IPv4 octets padded so text order is numeric order; others as written. */
function addressKey(address: string): string {
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/i.exec(address);
  if (v4) return `4:${v4.slice(1, 5).map((o) => o.padStart(3, '0')).join('.')}`;
  return `6:${address.toLowerCase()}`;
}

function endpointKey(e: Endpoint): string {
  return `${addressKey(e.address)}#${String(e.port).padStart(5, '0')}`;
}

export function processKey(view: ConnectionView): string | null {
  const holder = view.holders[0];
  return holder ? `${holder.comm.toLowerCase()}\u0000${String(holder.pid).padStart(10, '0')}` : null;
}

export const COLUMNS: readonly ColumnDef[] = [
  { id: 'state', label: 'State', title: 'TCP state', numeric: false, sortKey: (v) => v.state },
  { id: 'local', label: 'Local', title: 'Local address:port', numeric: false, sortKey: (v) => endpointKey(v.local) },
  { id: 'peer', label: 'Peer', title: 'Peer address:port', numeric: false, sortKey: (v) => endpointKey(v.peer) },
  { id: 'process', label: 'Process', title: 'Command (pid) holding the socket', numeric: false, sortKey: processKey },
  { id: 'keepalive', label: 'KA', title: 'SO_KEEPALIVE on or off', numeric: false, sortKey: (v) => (keepaliveOn(v) ? 1 : 0) },
  { id: 'idle', label: 'Idle', title: 'TCP_KEEPIDLE, s', numeric: true, sortKey: (v) => v.keepalive?.idleSec ?? null },
  { id: 'interval', label: 'Intvl', title: 'TCP_KEEPINTVL, s', numeric: true, sortKey: (v) => v.keepalive?.intervalSec ?? null },
  { id: 'count', label: 'Cnt', title: 'TCP_KEEPCNT', numeric: true, sortKey: (v) => v.keepalive?.count ?? null },
  { id: 'nextProbe', label: 'Next probe', title: 'Time to the next keepalive probe (computed from tcp_info)', numeric: true, sortKey: nextProbeAt },
  { id: 'kernelTimer', label: 'Kernel', title: "The kernel's own lazy timer, as ss -o shows it", numeric: true, sortKey: kernelTimerAt },
  { id: 'probes', label: 'Probes', title: 'Keepalive probes sent without answer / allowed before death', numeric: true, sortKey: probesOut },
  { id: 'deadIn', label: 'Dead in', title: 'Time until the kernel declares a silent peer dead', numeric: true, sortKey: deadAt },
  { id: 'rtt', label: 'RTT', title: 'Smoothed round-trip time', numeric: true, sortKey: (v) => v.tcpInfo?.rtt ?? null },
  {
    id: 'lastRecv',
    label: 'Last recv',
    title: 'Time since the peer was last heard from',
    numeric: true,
    // "Time since" ascending = most recently heard first.
    sortKey: (v) => {
      const at = lastRecvAt(v);
      return at === null ? null : -at;
    },
  },
];

export const COLUMN_BY_ID: Record<ColumnId, ColumnDef> = Object.fromEntries(COLUMNS.map((c) => [c.id, c])) as Record<ColumnId, ColumnDef>;

export interface SortSpec {
  column: ColumnId;
  direction: 'asc' | 'desc';
}

function compareKeys(a: SortKey, b: SortKey): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/**
 * Sorted copy. Keys are computed once per row (50 000 rows sort in tens of
 * ms); rows without a value go last in either direction; ties keep id order.
 */
export function sortViews(views: readonly ConnectionView[], sort: SortSpec): ConnectionView[] {
  const column = COLUMN_BY_ID[sort.column];
  const sign = sort.direction === 'asc' ? 1 : -1;
  const keyed = views.map((view) => ({ view, key: column.sortKey(view) }));
  keyed.sort((x, y) => {
    if (x.key === null || y.key === null) {
      if (x.key === null && y.key !== null) return 1;
      if (y.key === null && x.key !== null) return -1;
    } else {
      const c = compareKeys(x.key, y.key);
      if (c !== 0) return sign * c;
    }
    return x.view.id < y.view.id ? -1 : x.view.id > y.view.id ? 1 : 0;
  });
  return keyed.map((k) => k.view);
}

/** Clicking a header: a new column sorts ascending, the same column flips. */
export function nextSort(current: SortSpec, column: ColumnId): SortSpec {
  if (current.column === column) return { column, direction: current.direction === 'asc' ? 'desc' : 'asc' };
  return { column, direction: 'asc' };
}
