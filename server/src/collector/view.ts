/**
 * Connection → ConnectionView: joins the process map, owned/foreign keepalive
 * settings and the shared/ arithmetic, and turns every "ms from now" into an
 * absolute server time so a timer that merely counts down never changes the view.
 */
import {
  idleElapsedMs,
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
} from '@keepalive-dashboard/shared';

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
}

export function derive(connection: Connection, settings: KeepaliveSettings | null, now: number): Derived | null {
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
  const elapsed = info?.lastDataRecv !== undefined && info.lastAckRecv !== undefined ? idleElapsedMs({ lastDataRecvMs: info.lastDataRecv, lastAckRecvMs: info.lastAckRecv }) : null;
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
    holders: connection.inode > 0 ? [...ctx.holders(connection.inode)] : [],
    ownership: labId ? 'owned' : 'foreign',
    labId,
    keepalive: lookup.settings,
    keepaliveOrigin: lookup.origin,
    keepaliveError: lookup.error,
    derived,
    advisories: keepaliveAdvisories(connection.state, lookup.settings, elapsed, ctx.advisoryOptions),
  };
  if (info) view.tcpInfo = info;
  return view;
}
