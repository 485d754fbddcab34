/**
 * The one normalized shape every source (netlink, ss, netstat, /proc) produces.
 * TypeBox gives the runtime schema and the static type from one definition.
 */
import { Type, type Static } from '@sinclair/typebox';

/** Kernel state names (include/net/tcp_states.h), index = kernel number. */
export const TCP_STATES = [
  'UNKNOWN',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
] as const;
export type TcpState = (typeof TCP_STATES)[number];

export const TcpStateSchema = Type.Union(TCP_STATES.map((s) => Type.Literal(s)));

export const EndpointSchema = Type.Object({
  /** As the source wrote it: v4-mapped IPv6 kept (`::ffff:127.0.0.1`), scope as `%iface`, `*` for any. */
  address: Type.String(),
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
});
export type Endpoint = Static<typeof EndpointSchema>;

export const TIMER_KINDS = ['none', 'retransmit', 'keepalive', 'timewait', 'persist', 'unknown'] as const;
export type TimerKind = (typeof TIMER_KINDS)[number];

export const TimerSchema = Type.Object({
  kind: Type.Union(TIMER_KINDS.map((k) => Type.Literal(k))),
  /** The kernel's own (lazy) timer: ms until it fires; 0 when overdue. */
  remainingMs: Type.Number({ minimum: 0 }),
  /**
   * For keepalive and persist timers, the probe count (icsk_probes_out);
   * for retransmit, the retransmission count; 0 otherwise.
   */
  count: Type.Integer({ minimum: 0 }),
});
export type Timer = Static<typeof TimerSchema>;

/** The tcp_info fields a host-wide source can supply; all optional (ss prints only non-zero ones). */
export const ConnectionTcpInfoSchema = Type.Object({
  /** µs */
  rtt: Type.Optional(Type.Number()),
  /** µs */
  rttvar: Type.Optional(Type.Number()),
  /** µs */
  rto: Type.Optional(Type.Number()),
  retransmits: Type.Optional(Type.Number()),
  probes: Type.Optional(Type.Number()),
  backoff: Type.Optional(Type.Number()),
  unacked: Type.Optional(Type.Number()),
  notsentBytes: Type.Optional(Type.Number()),
  /** ms ago */
  lastDataSent: Type.Optional(Type.Number()),
  /** ms ago */
  lastDataRecv: Type.Optional(Type.Number()),
  /** ms ago */
  lastAckRecv: Type.Optional(Type.Number()),
  totalRetrans: Type.Optional(Type.Number()),
  bytesAcked: Type.Optional(Type.Number()),
  bytesReceived: Type.Optional(Type.Number()),
  sndCwnd: Type.Optional(Type.Number()),
  pmtu: Type.Optional(Type.Number()),
  /** µs */
  minRtt: Type.Optional(Type.Number()),
  segsOut: Type.Optional(Type.Number()),
  segsIn: Type.Optional(Type.Number()),
});
export type ConnectionTcpInfo = Static<typeof ConnectionTcpInfoSchema>;

export const ConnectionSchema = Type.Object({
  /** Socket cookie as 16 hex digits where the source has it, else `ino:<inode>`, else `tw:<local>-<peer>` for TIME-WAIT. */
  id: Type.String(),
  family: Type.Union([Type.Literal(4), Type.Literal(6)]),
  state: TcpStateSchema,
  local: EndpointSchema,
  peer: EndpointSchema,
  /** 0 for TIME-WAIT and request sockets. */
  inode: Type.Integer({ minimum: 0 }),
  /** 16 hex digits, or null where the source has no cookie (netstat, /proc). */
  cookie: Type.Union([Type.String(), Type.Null()]),
  uid: Type.Integer({ minimum: 0 }),
  recvQ: Type.Integer({ minimum: 0 }),
  sendQ: Type.Integer({ minimum: 0 }),
  timer: TimerSchema,
  tcpInfo: Type.Optional(ConnectionTcpInfoSchema),
  /**
   * The network namespace the socket lives in: the inode of its nsfs file
   * (`ls -iL /proc/PID/ns/net`). Absent in captures, which do not say.
   */
  netns: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type Connection = Static<typeof ConnectionSchema>;

export const SOURCE_NAMES = ['netlink', 'ss', 'netstat', 'proc'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

/**
 * The id rule, shared by every source so the same socket gets the same id.
 * Cookies (one counter for the whole host since Linux 5.12) and socket inodes
 * are unique across namespaces; a 4-tuple is not (every container may have a
 * 10.0.0.2:5432), so a TIME-WAIT id outside the server's own namespace
 * carries the namespace: `tw@<netns>:…`.
 */
export function connectionId(c: Pick<Connection, 'cookie' | 'inode' | 'local' | 'peer'>, foreignNetns?: number): string {
  if (c.cookie) return c.cookie;
  if (c.inode > 0) return `ino:${c.inode}`;
  return `tw${foreignNetns ? `@${foreignNetns}` : ''}:${formatEndpoint(c.local)}-${formatEndpoint(c.peer)}`;
}

/** `a.b.c.d:port` or `[v6]:port`, as ss writes them. */
export function formatEndpoint(e: Endpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}
