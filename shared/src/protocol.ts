/**
 * The wire protocol between the server and the browser: REST bodies and
 * WebSocket frames, as TypeBox schemas (runtime validation on the server,
 * static types on both sides). Times are absolute server epoch ms; each
 * frame carries `serverTime` so the browser can correct for clock offset.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

import { KEEPALIVE_BOUNDS } from './bounds.js';
import { ConnectionTcpInfoSchema, EndpointSchema, SOURCE_NAMES, TcpStateSchema, TIMER_KINDS } from './connection.js';
import { MAX_FILTER_EXPR_CHARS } from './filter-expr.js';
import { PostMortemSchema } from './post-mortem.js';
import { KernelKeepaliveCountersSchema, ProbeTimelineSchema } from './probes.js';
import { COLUMN_IDS, SORT_DIRECTIONS } from './sort.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const ErrorBodySchema = Type.Object({
  /** Stable code from the server's error registry, e.g. KA_ERR_OUT_OF_RANGE. */
  code: Type.String(),
  message: Type.String(),
});
export type ErrorBody = Static<typeof ErrorBodySchema>;

/**
 * An integer within a kernel bound. `label` and `unit` let the server say
 * "idle must be 1–32767 s, got 0" — the same words as the form and the addon.
 */
const bounded = (field: keyof typeof KEEPALIVE_BOUNDS) =>
  Type.Integer({ minimum: KEEPALIVE_BOUNDS[field].min, maximum: KEEPALIVE_BOUNDS[field].max, label: KEEPALIVE_BOUNDS[field].label, unit: KEEPALIVE_BOUNDS[field].unit });

export const KeepaliveSettingsSchema = Type.Object({
  enabled: Type.Boolean(),
  idleSec: Type.Integer(),
  intervalSec: Type.Integer(),
  count: Type.Integer(),
  userTimeoutMs: Type.Integer(),
});

/** PATCH body: any subset; unknown fields are refused. */
export const KeepalivePatchSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    idleSec: Type.Optional(bounded('idleSec')),
    intervalSec: Type.Optional(bounded('intervalSec')),
    count: Type.Optional(bounded('count')),
    userTimeoutMs: Type.Optional(bounded('userTimeoutMs')),
  },
  { additionalProperties: false, minProperties: 1, noun: 'keepalive field' },
);
export type KeepalivePatch = Static<typeof KeepalivePatchSchema>;

export const HolderSchema = Type.Object({
  pid: Type.Integer(),
  fd: Type.Integer(),
  /** The kernel's 15-character command name (/proc/PID/comm). */
  comm: Type.String(),
  /** /proc/PID/cmdline, NULs as spaces, at most 512 characters; '' for kernel threads or when unreadable. */
  cmdline: Type.String(),
  /** Effective uid; null when unreadable. */
  uid: Nullable(Type.Integer()),
  /** The uid's name on the server's host; null when it has none. */
  user: Nullable(Type.String()),
  /** The systemd unit or container from the process's cgroup (`systemd:nginx.service`, `docker:…`, `pod:…`); null when none. */
  unit: Nullable(Type.String()),
});
export type Holder = Static<typeof HolderSchema>;

/** The kernel's own timer, made absolute. */
export const TimerViewSchema = Type.Object({
  kind: Type.Union(TIMER_KINDS.map((k) => Type.Literal(k))),
  /** Server epoch ms when the kernel timer fires; null when there is none. */
  expiresAt: Nullable(Type.Number()),
  count: Type.Integer(),
});
export type TimerView = Static<typeof TimerViewSchema>;

export const OWNERSHIPS = ['owned', 'foreign'] as const;
export const KEEPALIVE_ORIGINS = ['owned', 'foreign', 'inferred', 'unknown'] as const;

/** Keepalive prediction from shared/ arithmetic, in absolute server time. */
export const DerivedSchema = Type.Object({
  phase: Type.Union((['off', 'suspended', 'idle', 'probing'] as const).map((p) => Type.Literal(p))),
  nextProbeAt: Nullable(Type.Number()),
  deadAt: Nullable(Type.Number()),
  lastRecvAt: Type.Number(),
  probesOut: Type.Integer(),
  probesBeforeDeath: Type.Integer(),
  keepaliveSuspended: Type.Boolean(),
});
export type Derived = Static<typeof DerivedSchema>;

export const AdvisorySchema = Type.Object({ code: Type.String(), message: Type.String() });
export type Advisory = Static<typeof AdvisorySchema>;

/** Which network namespace a socket lives in, as a row shows it. */
export const NetnsRefSchema = Type.Object({
  /** The nsfs inode (`ls -iL /proc/PID/ns/net`, `lsns -t net`): the namespace's identity. */
  inode: Type.Integer({ minimum: 0 }),
  /** What a person calls it: its `ip netns` name, its container or pod, "host", or `netns:<inode>`. */
  label: Type.String(),
  /** The server's own namespace. */
  own: Type.Boolean(),
});
export type NetnsRef = Static<typeof NetnsRefSchema>;

export const CONTAINER_RUNTIMES = ['docker', 'containerd', 'cri-o', 'podman', 'lxc', 'kubernetes', 'systemd'] as const;

/** The container, pod or unit a namespace's processes belong to, read from /proc/PID/cgroup. */
export const NetnsOwnerSchema = Type.Object({
  runtime: Type.Union(CONTAINER_RUNTIMES.map((r) => Type.Literal(r))),
  /** Container id (full, as the cgroup path has it), or the systemd unit name. */
  id: Type.String(),
  /** Kubernetes pod UID when the cgroup path names one (kubepods…pod<uid>). */
  podUid: Nullable(Type.String()),
});
export type NetnsOwner = Static<typeof NetnsOwnerSchema>;

export const NETNS_READERS = ['netlink', 'ss', 'netstat', 'proc'] as const;

/** One connection as the dashboard shows it. */
export const ConnectionViewSchema = Type.Object({
  id: Type.String(),
  family: Type.Union([Type.Literal(4), Type.Literal(6)]),
  state: TcpStateSchema,
  local: EndpointSchema,
  peer: EndpointSchema,
  inode: Type.Integer(),
  cookie: Nullable(Type.String()),
  uid: Type.Integer(),
  recvQ: Type.Integer(),
  sendQ: Type.Integer(),
  timer: TimerViewSchema,
  /** tcp_info subset; last* fields stay "ms ago" as sampled at `sampledAt`. */
  tcpInfo: Type.Optional(ConnectionTcpInfoSchema),
  /** Server epoch ms of the sample. */
  sampledAt: Type.Number(),
  holders: Type.Array(HolderSchema),
  ownership: Type.Union(OWNERSHIPS.map((o) => Type.Literal(o))),
  /** Lab object id when the server owns this socket. */
  labId: Nullable(Type.String()),
  /** Keepalive settings read back from the socket, or null when they cannot be read. */
  keepalive: Nullable(KeepaliveSettingsSchema),
  /** Where `keepalive` came from: getsockopt on our fd, via pidfd_getfd, inferred from the kernel timer, or unknown. */
  keepaliveOrigin: Type.Union(KEEPALIVE_ORIGINS.map((o) => Type.Literal(o))),
  /** Why settings could not be read (e.g. the capability missing). */
  keepaliveError: Nullable(ErrorBodySchema),
  derived: Nullable(DerivedSchema),
  advisories: Type.Array(AdvisorySchema),
  /** The network namespace; null where the source does not say (captures). */
  netns: Nullable(NetnsRefSchema),
});
export type ConnectionView = Static<typeof ConnectionViewSchema>;

export const ConnectionFilterSchema = Type.Object(
  {
    /** Comma-separated states, as the kernel or ss names them, groups included: `ESTABLISHED,time-wait`, `connected`. */
    state: Type.Optional(Type.String({ maxLength: 200 })),
    /** Local or peer port: one (443), or a range/list as text (`48000-48099`, `443,8443`). */
    port: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0, maximum: 65535 }), Type.String({ maxLength: 100, pattern: '^[0-9 ,-]*$' })], {
        expected: 'a non-negative integer (0–65535), a range like 48000-48099 or a list like 443,8443',
      }),
    ),
    /** Local or peer address: a CIDR or an address (`127.0.0.0/8`, `::1/128`; v4 prefixes match v4-mapped too), else a substring. */
    address: Type.Optional(Type.String({ maxLength: 200 })),
    pid: Type.Optional(Type.Integer({ minimum: 0 })),
    command: Type.Optional(Type.String({ maxLength: 200 })),
    /** `unknown`: neither settings read back nor a keepalive timer say; `off` never includes those. */
    keepalive: Type.Optional(Type.Union([Type.Literal('on'), Type.Literal('off'), Type.Literal('unknown')])),
    probing: Type.Optional(Type.Boolean()),
    owned: Type.Optional(Type.Boolean()),
    /** Only sockets of this network namespace (its nsfs inode). */
    netns: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Rows flagged with this advisory kind (`idle-exceeds-middlebox`…), with `any`, or with `none` (shared/src/filter-advisory.ts). */
    advisory: Type.Optional(Type.String({ maxLength: 100 })),
    /** An ss-style expression (shared/src/filter-expr.ts): `sport = :443 and dst 10.0.0.0/8`, `state connected`. */
    expr: Type.Optional(Type.String({ maxLength: MAX_FILTER_EXPR_CHARS })),
  },
  { additionalProperties: false },
);
export type ConnectionFilter = Static<typeof ConnectionFilterSchema>;

export const PatchResultSchema = Type.Object({ before: KeepaliveSettingsSchema, after: KeepaliveSettingsSchema });
export type PatchResult = Static<typeof PatchResultSchema>;

export const SysctlSchema = Type.Object({
  keepaliveTimeSec: Type.Integer(),
  keepaliveIntvlSec: Type.Integer(),
  keepaliveProbes: Type.Integer(),
});
export type Sysctl = Static<typeof SysctlSchema>;

/** The sysctls bound the same as the socket options they default (a refusal names the sysctl field itself). */
export const SYSCTL_BOUNDS = {
  keepaliveTimeSec: KEEPALIVE_BOUNDS.idleSec,
  keepaliveIntvlSec: KEEPALIVE_BOUNDS.intervalSec,
  keepaliveProbes: KEEPALIVE_BOUNDS.count,
} as const;
const sysctlBounded = (field: keyof typeof SYSCTL_BOUNDS) => Type.Integer({ minimum: SYSCTL_BOUNDS[field].min, maximum: SYSCTL_BOUNDS[field].max });

export const SysctlPatchSchema = Type.Object(
  {
    keepaliveTimeSec: Type.Optional(sysctlBounded('keepaliveTimeSec')),
    keepaliveIntvlSec: Type.Optional(sysctlBounded('keepaliveIntvlSec')),
    keepaliveProbes: Type.Optional(sysctlBounded('keepaliveProbes')),
  },
  { additionalProperties: false, minProperties: 1, noun: 'sysctl field' },
);
export type SysctlPatch = Static<typeof SysctlPatchSchema>;

/** One network namespace on the host, as /api/namespaces lists it. */
export const NamespaceSchema = Type.Object({
  inode: Type.Integer({ minimum: 0 }),
  label: Type.String(),
  /** Its `ip netns` name (a file in /run/netns), if it has one. */
  name: Nullable(Type.String()),
  /** The container, pod or unit its processes belong to. */
  owner: Nullable(NetnsOwnerSchema),
  /** The server's own namespace. */
  own: Type.Boolean(),
  /** The host's initial namespace (pid 1's). */
  initial: Type.Boolean(),
  /** The file the server reaches it through (/proc/PID/ns/net or a bind mount such as /run/netns/NAME). */
  path: Type.String(),
  /** Processes inside (the first few; `processCount` says how many). */
  processes: Type.Array(Type.Object({ pid: Type.Integer(), comm: Type.String() })),
  processCount: Type.Integer(),
  /** TCP sockets listed in it at the last sweep. */
  sockets: Type.Integer(),
  /** How its sockets are read: the addon's netlink socket opened inside, or a fallback. Null when they cannot be read. */
  reader: Nullable(Type.Union(NETNS_READERS.map((r) => Type.Literal(r)))),
  /** Why it could not be entered or read (e.g. EPERM: entering needs CAP_SYS_ADMIN); null when it was. */
  error: Nullable(ErrorBodySchema),
  /** Its net.ipv4.tcp_keepalive_* defaults; null when they cannot be read (`sysctlError` says why). */
  sysctl: Nullable(SysctlSchema),
  sysctlError: Nullable(ErrorBodySchema),
  /** Epoch ms the server first saw it. */
  firstSeenAt: Type.Number(),
  /** The kernel's keepalive probes and timeout aborts in it (/proc/net/netstat); null when unreadable. */
  keepaliveCounters: Type.Optional(Nullable(KernelKeepaliveCountersSchema)),
});
export type Namespace = Static<typeof NamespaceSchema>;

export const CapabilitiesSchema = Type.Object({
  /** Kill connections (SOCK_DESTROY), black-hole lab peers. */
  netAdmin: Type.Boolean(),
  /** Read and retune other processes' sockets (pidfd_getfd). */
  sysPtrace: Type.Boolean(),
  /** Write net.ipv4.tcp_keepalive_* sysctls. */
  sysctlWrite: Type.Boolean(),
  /** Enter other network namespaces (setns needs CAP_SYS_ADMIN) to list their sockets and sysctls. */
  sysAdmin: Type.Boolean(),
  /** Capture keepalive probes on the wire (AF_PACKET needs CAP_NET_RAW). */
  netRaw: Type.Boolean(),
  /** The native addon loaded. */
  native: Type.Boolean(),
  /** What is missing, in words. */
  missing: Type.Array(Type.String()),
});
export type Capabilities = Static<typeof CapabilitiesSchema>;

export const HealthSchema = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  source: Type.Union(SOURCE_NAMES.map((s) => Type.Literal(s))),
  requestedSource: Type.String(),
  fallbacks: Type.Array(Type.Object({ source: Type.String(), reason: Type.String() })),
  intervalMs: Type.Integer(),
  readOnly: Type.Boolean(),
  auditLog: Type.Object({
    path: Type.String(),
    writable: Type.Boolean(),
    /** Why changes are refused (the log could not be opened, is locked by another instance, or broke). */
    error: Nullable(Type.String()),
    /** What was repaired at start, e.g. "cut 37 bytes of a torn last line". */
    repaired: Type.Optional(Nullable(Type.String())),
    /** The last append that failed (e.g. ENOSPC) while the log stays open; null once one succeeds again. */
    lastWriteError: Type.Optional(Nullable(Type.String())),
  }),
  capabilities: CapabilitiesSchema,
  /** Network namespaces: how many the server sees, reads, and which it cannot enter (and why). */
  namespaces: Type.Object({
    /** `all` (every namespace on the host) or `own` (--namespaces own). */
    scope: Type.Union([Type.Literal('all'), Type.Literal('own')]),
    seen: Type.Integer(),
    read: Type.Integer(),
    notRead: Type.Array(Type.Object({ inode: Type.Integer(), label: Type.String(), error: ErrorBodySchema })),
  }),
  lastCollection: Nullable(Type.Object({ at: Type.Number(), durationMs: Type.Number(), connections: Type.Integer() })),
  /** How the server samples the host: full sweeps at an adaptive cadence, exact lookups between them, foreign settings read back. */
  sampling: Type.Object({
    sockets: Type.Integer(),
    /** ms between full sweeps now. */
    sweepIntervalMs: Type.Number(),
    /** ms the last sweep took. */
    lastSweepMs: Type.Number(),
    lookupsLastTick: Type.Integer(),
    /** Sockets whose next keepalive event falls before the next sweep. */
    due: Type.Integer(),
    /** Times a lookup's "gone" was contradicted by the addon (the next sweep then re-read every row). */
    sweepResets: Type.Integer(),
    readBack: Type.Object({
      tracked: Type.Integer(),
      /** Sockets with a known holder whose settings are not read yet. */
      unread: Type.Integer(),
      /** Sockets not read because no holder is known yet (the process map has not seen them). */
      unheld: Type.Integer(),
      failed: Type.Integer(),
      /** ms since the stalest settings were read; null when none are tracked. */
      oldestReadAgeMs: Nullable(Type.Number()),
      readsPerSec: Type.Number(),
    }),
  }),
  serverTime: Type.Number(),
});
export type Health = Static<typeof HealthSchema>;

export const EVENT_TYPES = ['appeared', 'closed', 'died', 'retuned', 'killed', 'sysctl', 'lab', 'blackhole', 'settings'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * A change is recorded twice: its intent, durable before it is applied, then
 * its outcome. Only outcomes are events a person sees (the stream, /api/events);
 * `interrupted` is written at start for an intent a crashed run left without one.
 * Observations (deaths, appeared, closed) have no phase.
 */
export const CHANGE_PHASES = ['intent', 'applied', 'failed', 'interrupted'] as const;
export type ChangePhase = (typeof CHANGE_PHASES)[number];

export const EventSchema = Type.Object({
  seq: Type.Integer(),
  at: Type.Number(),
  type: Type.Union(EVENT_TYPES.map((t) => Type.Literal(t))),
  connectionId: Nullable(Type.String()),
  /** The network namespace of the connection (or of the sysctl) the event is about. */
  netns: Type.Optional(NetnsRefSchema),
  /** One line a person can read. */
  summary: Type.String(),
  /** Who asked (client address), for changes. */
  actor: Nullable(Type.String()),
  before: Type.Optional(Type.Unknown()),
  after: Type.Optional(Type.Unknown()),
  detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  phase: Type.Optional(Type.Union(CHANGE_PHASES.map((p) => Type.Literal(p)))),
  /** On an outcome: the seq of the intent record it completes. */
  intentSeq: Type.Optional(Type.Integer()),
});
export type DashboardEvent = Static<typeof EventSchema>;

export const TotalsSchema = Type.Object({
  connections: Type.Integer(),
  byState: Type.Record(Type.String(), Type.Integer()),
  keepaliveOn: Type.Integer(),
  keepaliveOff: Type.Integer(),
  probing: Type.Integer(),
});
export type Totals = Static<typeof TotalsSchema>;

// ---- WebSocket frames, server → browser ----

export const SnapshotFrameSchema = Type.Object({
  type: Type.Literal('snapshot'),
  seq: Type.Integer(),
  serverTime: Type.Number(),
  intervalMs: Type.Integer(),
  readOnly: Type.Boolean(),
  connections: Type.Array(ConnectionViewSchema),
  totals: TotalsSchema,
});
export const DeltaFrameSchema = Type.Object({
  type: Type.Literal('delta'),
  seq: Type.Integer(),
  serverTime: Type.Number(),
  added: Type.Array(ConnectionViewSchema),
  changed: Type.Array(ConnectionViewSchema),
  removed: Type.Array(Type.String()),
  totals: TotalsSchema,
});
/**
 * A windowed client's rows: the slice of the filtered, sorted table it shows.
 * Sent on request, then only when the slice, one of its rows, `total` or the
 * totals changed. `rows` holds only the rows the client does not already hold
 * in this version: it keeps, of what it held, exactly the rows `ids` names.
 */
export const WindowFrameSchema = Type.Object({
  type: Type.Literal('window'),
  seq: Type.Integer(),
  serverTime: Type.Number(),
  intervalMs: Type.Integer(),
  readOnly: Type.Boolean(),
  /** The request this answers (its requestId). */
  requestId: Type.Integer(),
  /** Rows matching the filter and search. */
  total: Type.Integer(),
  /** Index of ids[0] in the sorted rows. */
  offset: Type.Integer(),
  ids: Type.Array(Type.String()),
  rows: Type.Array(ConnectionViewSchema),
  totals: TotalsSchema,
});
export const EventFrameSchema = Type.Object({ type: Type.Literal('event'), serverTime: Type.Number(), event: EventSchema });
export const DetailFrameSchema = Type.Object({
  type: Type.Literal('detail'),
  serverTime: Type.Number(),
  id: Type.String(),
  /** Full tcp_info where it can be read (owned, or foreign with permission). */
  tcpInfo: Nullable(Type.Record(Type.String(), Type.Union([Type.Number(), Type.Boolean(), Type.String()]))),
  connection: Nullable(ConnectionViewSchema),
  error: Nullable(ErrorBodySchema),
  /** The connection is gone: why and when (then `connection` is its last view and `error` KA_ERR_SOCKET_GONE). */
  gone: Type.Optional(PostMortemSchema),
  /** Its keepalive probes seen on the wire (as GET /api/connections/:id/probes). */
  probes: Type.Optional(ProbeTimelineSchema),
});
export const ErrorFrameSchema = Type.Object({ type: Type.Literal('error'), serverTime: Type.Number(), code: Type.String(), message: Type.String() });

export type SnapshotFrame = Static<typeof SnapshotFrameSchema>;
export type DeltaFrame = Static<typeof DeltaFrameSchema>;
export type EventFrame = Static<typeof EventFrameSchema>;
export type DetailFrame = Static<typeof DetailFrameSchema>;
export type ErrorFrame = Static<typeof ErrorFrameSchema>;
export type WindowFrame = Static<typeof WindowFrameSchema>;
export type ServerFrame = SnapshotFrame | DeltaFrame | WindowFrame | EventFrame | DetailFrame | ErrorFrame;

// ---- WebSocket frames, browser → server ----

export const FilterRequestSchema = Type.Object(
  { type: Type.Literal('filter'), filter: ConnectionFilterSchema },
  { additionalProperties: false },
);
export const SelectRequestSchema = Type.Object(
  {
    type: Type.Literal('select'),
    id: Nullable(Type.String({ maxLength: 200 })),
    /** How often to send `detail` frames for it, ms. */
    intervalMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 10_000 })),
  },
  { additionalProperties: false },
);
/** The most rows one window frame carries. */
export const MAX_WINDOW_ROWS = 500;
export const SortSpecSchema = Type.Object(
  {
    column: Type.Union(COLUMN_IDS.map((c) => Type.Literal(c))),
    direction: Type.Union(SORT_DIRECTIONS.map((d) => Type.Literal(d))),
  },
  { additionalProperties: false },
);
/**
 * Puts the client in window mode (no snapshots or deltas from then on; a
 * `filter` frame puts it back): it is sent the rows [offset, offset+limit)
 * of the table filtered, searched and sorted as asked, and kept current.
 */
export const WindowRequestSchema = Type.Object(
  {
    type: Type.Literal('window'),
    filter: ConnectionFilterSchema,
    search: Type.Optional(Type.String({ maxLength: 200 })),
    sort: SortSpecSchema,
    offset: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
    limit: Type.Integer({ minimum: 1, maximum: MAX_WINDOW_ROWS }),
    /** Echoed in every frame that answers it, so the client knows which frames still use an older request. */
    requestId: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type WindowRequest = Static<typeof WindowRequestSchema>;
export const PingRequestSchema = Type.Object({ type: Type.Literal('ping') }, { additionalProperties: false });
export const ClientFrameSchema = Type.Union([FilterRequestSchema, SelectRequestSchema, WindowRequestSchema, PingRequestSchema]);
export type ClientFrame = Static<typeof ClientFrameSchema>;

/** The query string that opens the stream in window mode: no first snapshot, a window request follows. */
export const STREAM_WINDOW_QUERY = 'view=window';

/** Largest client frame the server reads. */
export const MAX_CLIENT_FRAME_BYTES = 16 * 1024;
