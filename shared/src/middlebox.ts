/**
 * The middlebox lab's API (GET/PUT /api/lab/middlebox, POST …/connections,
 * POST …/connections/:id/message): request schemas the server's routes
 * validate with, and the replies' types the web client reads.
 */
import { Type, type Static } from '@sinclair/typebox';

/** The lab router's timeout: below 2 s conntrack's own gc granularity blurs the countdown; above a day nothing idles that long in a lab. */
export const MIDDLEBOX_LAB_TIMEOUT_SEC_MIN = 2;
export const MIDDLEBOX_LAB_TIMEOUT_SEC_MAX = 86_400;

export const MIDDLEBOX_PRESET_NAMES = ['aws', 'gcp', 'azure', 'custom'] as const;
export type MiddleboxPresetName = (typeof MIDDLEBOX_PRESET_NAMES)[number];

/**
 * drop: a forgotten flow's segments vanish (the sender retransmits until its
 * RTO or TCP_USER_TIMEOUT gives up: ETIMEDOUT); rst: the middlebox answers
 * them with a TCP reset (ECONNRESET at the sender).
 */
export const MIDDLEBOX_MODES = ['drop', 'rst'] as const;
export type MiddleboxMode = (typeof MIDDLEBOX_MODES)[number];

// ---- requests ----

export const MiddleboxPutSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    preset: Type.Optional(Type.Union(MIDDLEBOX_PRESET_NAMES.map((p) => Type.Literal(p)), { label: 'preset' })),
    timeoutSec: Type.Optional(Type.Integer({ minimum: MIDDLEBOX_LAB_TIMEOUT_SEC_MIN, maximum: MIDDLEBOX_LAB_TIMEOUT_SEC_MAX, label: 'timeoutSec', unit: 's' })),
    mode: Type.Optional(Type.Union(MIDDLEBOX_MODES.map((m) => Type.Literal(m)), { label: 'mode' })),
  },
  { additionalProperties: false },
);
export type MiddleboxPut = Static<typeof MiddleboxPutSchema>;

export const MiddleboxKeepaliveSchema = Type.Object(
  {
    idleSec: Type.Integer({ minimum: 1, maximum: 32767, label: 'keepalive.idleSec', unit: 's' }),
    intervalSec: Type.Integer({ minimum: 1, maximum: 32767, label: 'keepalive.intervalSec', unit: 's' }),
    count: Type.Integer({ minimum: 1, maximum: 127, label: 'keepalive.count' }),
  },
  { additionalProperties: false },
);
export type MiddleboxKeepalive = Static<typeof MiddleboxKeepaliveSchema>;

export const MiddleboxConnectionSchema = Type.Object(
  {
    keepalive: Type.Optional(MiddleboxKeepaliveSchema),
    /** TCP_USER_TIMEOUT of the client end: how long unacknowledged data may wait before ETIMEDOUT (0: the kernel's ~15 min). */
    userTimeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000, label: 'userTimeoutMs', unit: 'ms' })),
  },
  { additionalProperties: false },
);
export type MiddleboxConnectionRequest = Static<typeof MiddleboxConnectionSchema>;

export const MiddleboxMessageSchema = Type.Object(
  {
    bytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_536, label: 'bytes' })),
    /** How long to wait for the server end to receive it. */
    waitMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000, label: 'waitMs', unit: 'ms' })),
  },
  { additionalProperties: false },
);
export type MiddleboxMessageRequest = Static<typeof MiddleboxMessageSchema>;

export const MiddleboxIdParamsSchema = Type.Object({ id: Type.String({ maxLength: 100 }) });

// ---- replies (as server/src/control/middlebox builds them) ----

export interface MiddleboxSettingsView {
  preset: MiddleboxPresetName;
  timeoutSec: number;
  mode: MiddleboxMode;
}

export interface MiddleboxConnectionInfo {
  id: string;
  createdAt: number;
  status: 'open' | 'closed';
  /** errno the client's socket got (ETIMEDOUT: retransmissions gave up; ECONNRESET: the middlebox reset it). */
  closeCode: string | null;
  closedAt: number | null;
  client: { netns: string; address: string; port: number; pid: number; fd: number };
  server: { netns: string; address: string; port: number; pid: number };
  keepalive: MiddleboxKeepalive | null;
  userTimeoutMs: number;
  bytesSent: number;
  bytesReceived: number;
  /** The router's entry for the flow, as read at `conntrackSeenAt`; null once it is forgotten (or never seen). */
  conntrack: { state: string; remainingSec: number } | null;
  conntrackSeenAt: number | null;
  /** When the router forgot the flow: its last sighting plus the seconds it had left then. */
  forgottenAt: number | null;
}

export interface MiddleboxLabView {
  enabled: boolean;
  settings: MiddleboxSettingsView | null;
  topology: { namespaces: { client: string; router: string; server: string }; addresses: Record<string, string> } | null;
  connections: MiddleboxConnectionInfo[];
  /** GET only: the presets' labels and timeouts. */
  presets?: Record<Exclude<MiddleboxPresetName, 'custom'>, { label: string; timeoutSec: number }>;
}

export interface MiddleboxMessageResult {
  id: string;
  delivered: boolean;
  bytes: number;
  waitedMs: number;
  /** The client's socket error, when it died instead (or meanwhile). */
  clientError: string | null;
  connection: MiddleboxConnectionInfo | null;
}
