/**
 * What the server keeps of a connection after it died or closed: when, why,
 * and how that compares with what shared/ predicted. Kept a while (bounded)
 * beside the connection's last view, so a person who looks after the fact
 * still sees the cause instead of "not found".
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/**
 * keepalive: the probes went unanswered (ETIMEDOUT with probes out);
 * user-timeout: TCP_USER_TIMEOUT cut it (before count probes, or with data unacked);
 * retransmit-timeout: data went unacknowledged until the retransmissions gave up;
 * reset: the peer reset it (ECONNRESET, EPIPE); killed: SOCK_DESTROY (ours, or ECONNABORTED);
 * closed: it left the kernel's table without a cause the server could see (its owner closed it).
 */
export const DEATH_CAUSES = ['keepalive', 'user-timeout', 'retransmit-timeout', 'reset', 'killed', 'closed'] as const;
export type DeathCause = (typeof DEATH_CAUSES)[number];

/**
 * How `at` is known: the owning socket's own error or close (the lab's sockets), the kill
 * the server did, or a sweep that no longer listed it (late by up to a sweep interval).
 */
export const DEATH_SEEN_BY = ['socket', 'kill', 'sweep'] as const;

export const PostMortemSchema = Type.Object({
  /** Server epoch ms it died or was last missed (see `seenBy`). */
  at: Type.Number(),
  cause: Type.Union(DEATH_CAUSES.map((c) => Type.Literal(c))),
  /** The errno its owner got (ETIMEDOUT, ECONNRESET…) where the server owns it; null where it only saw the socket vanish. */
  code: Nullable(Type.String()),
  seenBy: Type.Union(DEATH_SEEN_BY.map((s) => Type.Literal(s))),
  /** Keepalive probes unanswered at the last prediction made while it lived. */
  probesOut: Type.Integer(),
  /** Last receive, and the death shared/ predicted from it, epoch ms; null without a prediction. */
  lastRecvAt: Nullable(Type.Number()),
  predictedDeadAt: Nullable(Type.Number()),
  /** at − predictedDeadAt, ms (positive: it died later than predicted); null without a prediction. */
  errorMs: Nullable(Type.Number()),
  /** One line a person can read. */
  summary: Type.String(),
});
export type PostMortem = Static<typeof PostMortemSchema>;
