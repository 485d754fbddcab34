import type { TSchema, Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

import { ApiError } from '../errors.js';

/** Validates a body against a shared schema; the error names the field and the rule it broke. */
export function validateBody<T extends TSchema>(schema: T, body: unknown): Static<T> {
  if (Value.Check(schema, body)) return body;
  const first = Value.Errors(schema, body).First();
  const field = first?.path ? first.path.slice(1) || 'body' : 'body';
  const message = first?.message ?? 'invalid';
  const code = first && /greater|less|minimum|maximum/i.test(message) ? 'KA_ERR_OUT_OF_RANGE' : 'KA_ERR_BAD_REQUEST';
  throw new ApiError(code, `${field}: ${message}`);
}
