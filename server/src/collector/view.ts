/**
 * Connection → ConnectionView: joins the process map, owned/foreign keepalive
 * settings and the shared/ arithmetic, and turns every "ms from now" into an
 * absolute server time so a timer that merely counts down never changes the view.
 */
import {
  idleElapsedFromTcpInfo,
  keepaliveAdvisories,
  keepaliveSuspended,
  predictKeepalive,
  type AdvisoryOptions,
  type Connection,
  type ConnectionView,
  type Derived,
  type ErrorBody,
  type Holder,
  type KeepaliveSettings,
  type NetnsRef,
} from '@keepalive-dashboard/shared';

const NO_HOLDERS: Holder[] = [];

export interface SettingsLookup {
  settings: KeepaliveSettings | null;
  origin: ConnectionView['keepaliveOrigin'];
  error: ErrorBody | null;
}

export interface ViewContext {
  now: number;
  holders(inode: number): readonly Holder[];
  /** Owned socket's lab id, if the server holds it. */
  labId(inode: number): string | null;
  settings(connection: Connection, labId: string | null): SettingsLookup;
  advisoryOptions: AdvisoryOptions;
  /** The row's namespace label (one shared object per namespace); without it, none is shown. */
  netns?(inode: number | undefined): NetnsRef | null;
  /** advisoryOptions with the socket's namespace defaults (advisories compare against its own namespace's sysctls). */
  advisoryOptionsFor?(inode: number | undefined): AdvisoryOptions;
}

function derive(connection: Connection, settings: KeepaliveSettings | null, now: number): Derived | null {
  const info = connection.tcpInfo;
  // A listener never probes: its settings only pass on to the sockets it accepts.
  if (connection.state === 'LISTEN') return null;
  if (!settings || !info || info.lastDataRecv === undefined || info.lastAckRecv === undefined) return null;
  const tcp = {
    lastDataRecvMs: info.lastDataRecv,
    lastAckRecvMs: info.lastAckRecv,
    unacked: info.unacked ?? 0,
    notsentBytes: info.notsentBytes ?? 0,
    // tcp_info's probes; the keepalive timer's count is the same icsk_probes_out.
    probes: info.probes ?? (connection.timer.kind === 'keepalive' ? connection.timer.count : 0),
  };
  const kernelTimerAt = connection.timer.kind === 'keepalive' ? now + connection.timer.remainingMs : null;
  const p = predictKeepalive(settings, tcp, now, kernelTimerAt);
  return {
    phase: p.phase,
    nextProbeAt: p.nextProbeAt,
    deadAt: p.deadAt,
    lastRecvAt: p.lastRecvAt,
    probesOut: p.probesOut,
    probesBeforeDeath: p.probesBeforeDeath,
    keepaliveSuspended: keepaliveSuspended(tcp),
  };
}

export function toView(connection: Connection, ctx: ViewContext): ConnectionView {
  const labId = connection.inode > 0 ? ctx.labId(connection.inode) : null;
  const lookup = ctx.settings(connection, labId);
  const derived = derive(connection, lookup.settings, ctx.now);
  const info = connection.tcpInfo;
  const view: ConnectionView = {
    id: connection.id,
    family: connection.family,
    state: connection.state,
    local: connection.local,
    peer: connection.peer,
    inode: connection.inode,
    cookie: connection.cookie,
    uid: connection.uid,
    recvQ: connection.recvQ,
    sendQ: connection.sendQ,
    timer: {
      kind: connection.timer.kind,
      expiresAt: connection.timer.kind === 'none' ? null : ctx.now + connection.timer.remainingMs,
      count: connection.timer.count,
    },
    sampledAt: ctx.now,
    // The process map's own list (never mutated; replaced on change): 100k views need not copy 100k arrays.
    holders: connection.inode > 0 ? (ctx.holders(connection.inode) as Holder[]) : NO_HOLDERS,
    ownership: labId ? 'owned' : 'foreign',
    labId,
    keepalive: lookup.settings,
    keepaliveOrigin: lookup.origin,
    keepaliveError: lookup.error,
    derived,
    advisories: keepaliveAdvisories(connection.state, lookup.settings, idleElapsedFromTcpInfo(info), ctx.advisoryOptionsFor?.(connection.netns) ?? ctx.advisoryOptions),
    netns: ctx.netns?.(connection.netns) ?? null,
  };
  if (info) view.tcpInfo = info;
  return view;
}

/**
 * The sample a view was made from, as the source reported it at the view's
 * sampledAt: toView(connectionOf(v), {now: v.sampledAt, …}) rebuilds the view
 * with whatever holders and settings are known now, and a lookup can name
 * the socket by it.
 */
export function connectionOf(view: ConnectionView): Connection {
  const connection: Connection = {
    id: view.id,
    family: view.family,
    state: view.state,
    local: view.local,
    peer: view.peer,
    inode: view.inode,
    cookie: view.cookie,
    uid: view.uid,
    recvQ: view.recvQ,
    sendQ: view.sendQ,
    timer: { kind: view.timer.kind, remainingMs: view.timer.expiresAt === null ? 0 : Math.max(0, view.timer.expiresAt - view.sampledAt), count: view.timer.count },
  };
  if (view.tcpInfo) connection.tcpInfo = view.tcpInfo;
  if (view.netns) connection.netns = view.netns.inode;
  return connection;
}
