/**
 * One place for request validation. Routes declare `schema: {params,
 * querystring, body}` with the shared TypeBox schemas; the type provider
 * types `request.*` from them and this compiler checks them with TypeBox
 * itself, so a refusal reads like the rest of the API: the field, the rule,
 * the value ("idle must be 1–32767 s, got 0"), a stable code, 400.
 */
import type { FastifySchemaCompiler, FastifyTypeProvider } from 'fastify';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';

import { ApiError } from '../errors.js';

/** request.params / query / body typed from the route's TypeBox schemas. */
export interface TypeBoxProvider extends FastifyTypeProvider {
  validator: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
  serializer: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
}

/** Query strings and path parameters are text: converted to the schema's types before checking. */
const TEXT_PARTS = new Set(['querystring', 'params', 'headers']);

const shown = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : JSON.stringify(value)?.slice(0, 60) ?? String(value));

function describe(error: ValueError, root: TSchema, part: string): ApiError {
  const field = error.path.replace(/^\//, '').replace(/\//g, '.') || part;
  const schema = error.schema as TSchema & { minimum?: number; maximum?: number; label?: string; unit?: string; anyOf?: { const?: unknown }[] };
  const name = schema.label ?? field;
  switch (error.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      // The error points at the extra key itself; the schema is the object's.
      const known = Object.keys(schema.properties ?? {});
      const extra = error.path.split('/').pop() ?? '';
      return new ApiError('KA_ERR_BAD_REQUEST', `unknown ${String(schema.noun ?? root.noun ?? 'field')} ${JSON.stringify(extra.slice(0, 40))} (known: ${known.join(', ')})`);
    }
    case ValueErrorType.ObjectMinProperties:
      return new ApiError('KA_ERR_BAD_REQUEST', `give at least one of ${Object.keys(schema.properties ?? {}).join(', ')}`);
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.NumberMaximum: {
      const range = schema.maximum === undefined ? `at least ${schema.minimum}` : `${schema.minimum ?? '…'}–${schema.maximum}`;
      return new ApiError('KA_ERR_OUT_OF_RANGE', `${name} must be ${range}${schema.unit ? ` ${schema.unit}` : ''}, got ${shown(error.value)}`);
    }
    case ValueErrorType.Integer:
      // 1.5 is a number out of the integers' range; "10" is not a number at all.
      return new ApiError(typeof error.value === 'number' ? 'KA_ERR_OUT_OF_RANGE' : 'KA_ERR_BAD_REQUEST', `${name} must be a${schema.minimum === 0 ? ' non-negative' : 'n'} integer, got ${shown(error.value)}`);
    case ValueErrorType.Boolean:
      // In a query string a boolean is spelled true or false; in JSON it is a JSON boolean.
      return new ApiError('KA_ERR_BAD_REQUEST', `${name} must be ${TEXT_PARTS.has(part) ? 'true or false' : 'a boolean'}, got ${shown(error.value)}`);
    case ValueErrorType.Object:
      return new ApiError('KA_ERR_BAD_REQUEST', `${field} must be an object, got ${Array.isArray(error.value) ? 'an array' : shown(error.value)}`);
    case ValueErrorType.Union: {
      // A union of shapes (an integer or a range as text) says in words what it takes.
      if (typeof schema.expected === 'string') return new ApiError('KA_ERR_BAD_REQUEST', `${name} must be ${schema.expected}, got ${shown(error.value)}`);
      const options = (schema.anyOf ?? []).map((o) => o.const).filter((c) => c !== undefined);
      if (options.length) return new ApiError('KA_ERR_BAD_REQUEST', `${name} must be one of ${options.join(', ')}, got ${shown(error.value)}`);
      return new ApiError('KA_ERR_BAD_REQUEST', `${name}: ${error.message}`);
    }
    default:
      return new ApiError('KA_ERR_BAD_REQUEST', `${field}: ${error.message}`);
  }
}

export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  const part = httpPart ?? 'body';
  return (data: unknown) => {
    const value = TEXT_PARTS.has(part) ? Value.Convert(schema, data) : data;
    if (check.Check(value)) return { value };
    const first = check.Errors(value).First();
    return { error: first ? describe(first, schema, part) : new ApiError('KA_ERR_BAD_REQUEST', `${part} is invalid`) };
  };
};
