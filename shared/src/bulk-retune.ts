/**
 * Bulk retune: one keepalive patch for many sockets, named by id or chosen by
 * a filter, tried first as a dry run (each socket's before → after, or why it
 * would be refused) and then applied, each socket audited on its own.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

import { EndpointSchema, TcpStateSchema } from './connection.js';
import { ConnectionFilterSchema, ErrorBodySchema, KeepalivePatchSchema, KeepaliveSettingsSchema } from './protocol.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Sockets one request may touch: more is refused (413) and nothing is applied. */
export const MAX_BULK_RETUNE_SOCKETS = 1000;

export const BulkRetuneRequestSchema = Type.Object(
  {
    /** These connections (ids as listed, repeats ignored); or `filter`: every connection matching it now. One of the two. */
    // Over MAX_BULK_RETUNE_SOCKETS is the server's 413 with the count; the schema only stops absurd bodies.
    ids: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 10 * MAX_BULK_RETUNE_SOCKETS })),
    filter: Type.Optional(ConnectionFilterSchema),
    /** The same patch, with the same bounds, as PATCH /api/connections/:id/keepalive. */
    patch: KeepalivePatchSchema,
    /** true: say what would happen and change nothing. */
    dryRun: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type BulkRetuneRequest = Static<typeof BulkRetuneRequestSchema>;

/** would-apply (dry run), applied, refused (not tried: checked first, or the audit log failed), failed (the single retune's path threw: the kernel refused, or the socket or its holder went meanwhile). */
export const BULK_RETUNE_OUTCOMES = ['would-apply', 'applied', 'refused', 'failed'] as const;

export const BulkRetuneItemSchema = Type.Object({
  id: Type.String(),
  /** Null for an id the server does not list. */
  state: Nullable(TcpStateSchema),
  local: Nullable(EndpointSchema),
  peer: Nullable(EndpointSchema),
  outcome: Type.Union(BULK_RETUNE_OUTCOMES.map((o) => Type.Literal(o))),
  /** Settings before: as last read back (dry run; null when not read yet), or as the kernel held them (applied). */
  before: Nullable(KeepaliveSettingsSchema),
  /** before with the patch (dry run; null when before is unknown), or read back from the kernel (applied). */
  after: Nullable(KeepaliveSettingsSchema),
  error: Nullable(ErrorBodySchema),
});
export type BulkRetuneItem = Static<typeof BulkRetuneItemSchema>;

export const BulkRetuneResultSchema = Type.Object({
  serverTime: Type.Number(),
  dryRun: Type.Boolean(),
  /** Shared by every socket's audit records (detail.bulkId); null for a dry run. */
  bulkId: Nullable(Type.String()),
  /** How many sockets the request named or its filter matched. */
  matched: Type.Integer(),
  /** In the order of `ids`, or of the connection list for a filter. */
  items: Type.Array(BulkRetuneItemSchema),
});
export type BulkRetuneResult = Static<typeof BulkRetuneResultSchema>;
