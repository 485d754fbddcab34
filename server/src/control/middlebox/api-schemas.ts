/**
 * Request schemas of the middlebox routes (TypeBox: validation and types in one).
 * Server-side for now; they move to shared/ when the web client uses them.
 */
import { Type } from '@sinclair/typebox';

import { TIMEOUT_SEC_MAX, TIMEOUT_SEC_MIN } from './settings.js';

export const MiddleboxPutSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    preset: Type.Optional(Type.Union([Type.Literal('aws'), Type.Literal('gcp'), Type.Literal('azure'), Type.Literal('custom')], { label: 'preset' })),
    timeoutSec: Type.Optional(Type.Integer({ minimum: TIMEOUT_SEC_MIN, maximum: TIMEOUT_SEC_MAX, label: 'timeoutSec', unit: 's' })),
    mode: Type.Optional(Type.Union([Type.Literal('drop'), Type.Literal('rst')], { label: 'mode' })),
  },
  { additionalProperties: false },
);

export const MiddleboxConnectionSchema = Type.Object(
  {
    keepalive: Type.Optional(
      Type.Object(
        {
          idleSec: Type.Integer({ minimum: 1, maximum: 32767, label: 'keepalive.idleSec', unit: 's' }),
          intervalSec: Type.Integer({ minimum: 1, maximum: 32767, label: 'keepalive.intervalSec', unit: 's' }),
          count: Type.Integer({ minimum: 1, maximum: 127, label: 'keepalive.count' }),
        },
        { additionalProperties: false },
      ),
    ),
    /** TCP_USER_TIMEOUT of the client end: how long unacknowledged data may wait before ETIMEDOUT (0: the kernel's ~15 min). */
    userTimeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000, label: 'userTimeoutMs', unit: 'ms' })),
  },
  { additionalProperties: false },
);

export const MiddleboxMessageSchema = Type.Object(
  {
    bytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_536, label: 'bytes' })),
    /** How long to wait for the server end to receive it. */
    waitMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000, label: 'waitMs', unit: 'ms' })),
  },
  { additionalProperties: false },
);

export const MiddleboxIdParamsSchema = Type.Object({ id: Type.String({ maxLength: 100 }) });
