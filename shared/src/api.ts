/**
 * The REST API's requests and replies as TypeBox schemas: the server's routes
 * declare them (validated by the route's schema, typed by the type provider)
 * and the web client takes its request and reply types from the same ones.
 *
 * Query strings are text; the server converts them to these types first
 * ("80" → 80, "true" → true), so a schema says what a value means, not how it
 * is spelled. `noun` names what an unknown key is ("unknown filter …").
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

import { ConnectionSchema, EndpointSchema } from './connection.js';
import { PostMortemSchema } from './post-mortem.js';
import { ConnectionFilterSchema, ConnectionViewSchema, ErrorBodySchema, EventSchema, NamespaceSchema, NetnsRefSchema, SysctlSchema, TotalsSchema } from './protocol.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

// ---- requests ----

export const ConnectionIdParamsSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
export const LabIdParamsSchema = ConnectionIdParamsSchema;

export const ConnectionsQuerySchema = Type.Object(
  {
    ...ConnectionFilterSchema.properties,
    limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    offset: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false, noun: 'filter' },
);

/** What /api/events may add to the audit log's events: the observed ones (appeared, closed) kept in memory. */
export const EVENT_INCLUDES = ['observed'] as const;

/**
 * A page of events, newest first. `before` / `after` are event seqs (negative:
 * an observed event of this server run) and bound the page on each side; a
 * page's `next` is the `before` of the next older one. `type` is a comma list
 * of event types; `pid` matches events that name it among the socket's holders.
 */
export const EventsQuerySchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    before: Type.Optional(Type.Integer()),
    after: Type.Optional(Type.Integer()),
    type: Type.Optional(Type.String({ maxLength: 200 })),
    connection: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    pid: Type.Optional(Type.Integer({ minimum: 0 })),
    netns: Type.Optional(Type.Integer({ minimum: 0 })),
    include: Type.Optional(Type.Union(EVENT_INCLUDES.map((i) => Type.Literal(i)))),
  },
  { additionalProperties: false, noun: 'parameter' },
);

/** Which namespace's sysctls: its nsfs inode; absent = the server's own. */
export const NetnsQuerySchema = Type.Object(
  { netns: Type.Optional(Type.Integer({ minimum: 0 })) },
  { additionalProperties: false, noun: 'parameter' },
);

export const HISTORY_RESOLUTIONS = ['1s', '1m'] as const;
export type HistoryResolution = (typeof HISTORY_RESOLUTIONS)[number];

/** Totals after `since` (epoch ms, exclusive: pass the last point's `at` to get only newer ones). */
export const HistoryQuerySchema = Type.Object(
  {
    since: Type.Optional(Type.Integer({ minimum: 0, unit: 'ms' })),
    resolution: Type.Optional(Type.Union(HISTORY_RESOLUTIONS.map((r) => Type.Literal(r)))),
  },
  { additionalProperties: false, noun: 'parameter' },
);

export const LoginQuerySchema = Type.Object({ code: Type.Optional(Type.String({ maxLength: 200 })) });

export const OpenLabConnectionSchema = Type.Object(
  { host: Type.String({ minLength: 1, maxLength: 255 }), port: Type.Integer({ minimum: 1, maximum: 65535 }) },
  { additionalProperties: false },
);
export type OpenLabConnection = Static<typeof OpenLabConnectionSchema>;

export const OpenLabListenerSchema = Type.Object(
  { port: Type.Integer({ minimum: 0, maximum: 65535 }), host: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) },
  { additionalProperties: false },
);
export type OpenLabListener = Static<typeof OpenLabListenerSchema>;

export const BlackholeRequestSchema = Type.Object({ on: Type.Boolean() }, { additionalProperties: false });

/** Captures of big hosts are large: 16 MiB holds `ss -tanoei` of ~30k sockets. */
export const MAX_CAPTURE_BYTES = 16 * 1024 * 1024;

export const CAPTURE_FORMATS = ['ss', 'netstat', 'proc'] as const;
export type CaptureFormat = (typeof CAPTURE_FORMATS)[number];

export const ParseRequestSchema = Type.Object(
  {
    format: Type.Union(CAPTURE_FORMATS.map((f) => Type.Literal(f))),
    text: Type.String({ maxLength: MAX_CAPTURE_BYTES }),
    userHz: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  },
  { additionalProperties: false },
);
export type ParseRequest = Static<typeof ParseRequestSchema>;

// ---- replies ----

export const ConnectionsPageSchema = Type.Object({
  serverTime: Type.Number(),
  total: Type.Integer(),
  offset: Type.Integer(),
  connections: Type.Array(ConnectionViewSchema),
});
export type ConnectionsPage = Static<typeof ConnectionsPageSchema>;

export const ConnectionDetailSchema = Type.Object({
  serverTime: Type.Number(),
  connection: ConnectionViewSchema,
  tcpInfo: Nullable(Type.Record(Type.String(), Type.Union([Type.Number(), Type.Boolean(), Type.String()]))),
  error: Nullable(ErrorBodySchema),
  /** Set when the connection is gone: its post-mortem; `connection` is then its last view. */
  gone: Type.Optional(PostMortemSchema),
});
export type ConnectionDetail = Static<typeof ConnectionDetailSchema>;

export const KilledSchema = Type.Object({ killed: Type.String() });
export type Killed = Static<typeof KilledSchema>;

const BoundSchema = Type.Object({ min: Type.Number(), max: Type.Number(), unit: Type.String(), label: Type.String() });
export const SysctlViewSchema = Type.Composite([
  SysctlSchema,
  Type.Object({ bounds: Type.Record(Type.String(), BoundSchema), writable: Type.Boolean(), netns: NetnsRefSchema }),
]);
export type SysctlView = Static<typeof SysctlViewSchema>;

export const SysctlChangeSchema = Type.Object({ before: SysctlSchema, after: SysctlSchema });
export type SysctlChange = Static<typeof SysctlChangeSchema>;

export const NamespaceListSchema = Type.Object({ serverTime: Type.Number(), namespaces: Type.Array(NamespaceSchema) });
export type NamespaceList = Static<typeof NamespaceListSchema>;

export const LabEntrySchema = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('outbound'), Type.Literal('accepted'), Type.Literal('listener')]),
  inode: Type.Integer(),
  local: Nullable(EndpointSchema),
  peer: Nullable(EndpointSchema),
  createdAt: Type.Number(),
  status: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
  closeCode: Nullable(Type.String()),
  closedAt: Nullable(Type.Number()),
  listenerId: Nullable(Type.String()),
  connectionId: Type.Optional(Nullable(Type.String())),
  /** The peer's replies are dropped (servers that support black holes). */
  blackholed: Type.Optional(Type.Boolean()),
});
export type LabEntry = Static<typeof LabEntrySchema>;

export const LabListSchema = Type.Object({
  entries: Type.Array(LabEntrySchema),
  labAnyAddress: Type.Boolean(),
  canBlackhole: Type.Optional(Type.Boolean()),
});
export type LabList = Static<typeof LabListSchema>;

export const BlackholeStateSchema = Type.Object({ id: Type.String(), blackholed: Type.Boolean() });
export type BlackholeState = Static<typeof BlackholeStateSchema>;

/**
 * `next`: pass it as `before` for the next older page; null when there is none.
 * A page may hold fewer than `limit` events (even none) and still a `next`:
 * one page reads a bounded part of the log, so a rare filter takes several.
 */
export const EventPageSchema = Type.Object({ events: Type.Array(EventSchema), next: Nullable(Type.Integer()) });
export type EventPage = Static<typeof EventPageSchema>;

/**
 * The host's totals at one moment: `at` is the start of its second (1s) or
 * minute (1m). A minute point holds the mean of its `samples` second points,
 * rounded; the newest minute is still filling.
 */
export const HistoryPointSchema = Type.Composite([
  TotalsSchema,
  Type.Object({ at: Type.Number(), namespaces: Type.Integer(), samples: Type.Integer() }),
]);
export type HistoryPoint = Static<typeof HistoryPointSchema>;

export const HistoryPageSchema = Type.Object({
  serverTime: Type.Number(),
  resolution: Type.Union(HISTORY_RESOLUTIONS.map((r) => Type.Literal(r))),
  /** Oldest first, newest last. */
  points: Type.Array(HistoryPointSchema),
});
export type HistoryPage = Static<typeof HistoryPageSchema>;

export const ParseResultSchema = Type.Object({
  connections: Type.Array(ConnectionSchema),
  issues: Type.Array(Type.Object({ line: Type.Integer(), message: Type.String(), text: Type.Optional(Type.String()) })),
  issueCount: Type.Optional(Type.Integer()),
});
export type CaptureParseResult = Static<typeof ParseResultSchema>;

export const LoginCodeSchema = Type.Object({ code: Type.String(), path: Type.String() });
export type LoginCode = Static<typeof LoginCodeSchema>;
