/**
 * Keepalive probes seen on the wire for one watched connection (Wireshark's
 * keep_alive rule), and the kernel's own per-namespace counters the UI shows
 * when nothing can be captured (no CAP_NET_RAW).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';


const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
/** protocol.ts's ErrorBody, spelled here so protocol.ts can import this file (no import cycle). */
const ErrorBodySchema = Type.Object({ code: Type.String(), message: Type.String() });

/** Probes a timeline carries: the newest, enough for any chart of them. */
export const PROBE_TIMELINE_MAX = 50;

export const WireProbeSchema = Type.Object({
  /** The end that sent it: this connection's local end, or its peer. */
  by: Type.Union([Type.Literal('local'), Type.Literal('peer')]),
  /** Epoch ms the probe was seen. */
  sentAt: Type.Number(),
  /** Epoch ms its ACK was seen; null while (or if forever) unanswered. */
  answeredAt: Nullable(Type.Number()),
});
export type WireProbe = Static<typeof WireProbeSchema>;

export const ProbeTimelineSchema = Type.Object({
  id: Type.String(),
  /** Selected, lab, or probing: only such connections are captured (at most a few dozen). */
  watched: Type.Boolean(),
  /** A packet capture runs on its interface now. */
  capturing: Type.Boolean(),
  /** The interface captured on (lo for loopback), when watched. */
  interface: Nullable(Type.String()),
  /** Why nothing is captured (KA_ERR_PERMISSION without CAP_NET_RAW); null when capturing or not watched. */
  error: Nullable(ErrorBodySchema),
  /** Oldest first, the last PROBE_TIMELINE_MAX. */
  probes: Type.Array(WireProbeSchema),
});
export type ProbeTimeline = Static<typeof ProbeTimelineSchema>;

/** A namespace's TcpExt TCPKeepAlive / TCPAbortOnTimeout, as totals and rates over the last minute. */
export const KernelKeepaliveCountersSchema = Type.Object({
  probesTotal: Type.Integer(),
  abortsOnTimeoutTotal: Type.Integer(),
  probesPerSec: Type.Number(),
  abortsPerSec: Type.Number(),
  /** The span the rates are over, ms (0 until two samples). */
  spanMs: Type.Number(),
});
export type KernelKeepaliveCounters = Static<typeof KernelKeepaliveCountersSchema>;
