/**
 * Shared pieces of the hostile-input tests: what a hostile client sends
 * (fast-check arbitraries), what every refusal must look like, and a heap
 * measurement that does not depend on `node --expose-gc`.
 */
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import fc from 'fast-check';

/** One string of 1 MB: far past every body and frame limit. */
export const MEGABYTE = 'x'.repeat(1024 * 1024);

/** Keys a client might use to reach Object.prototype, plus the API's own field names. */
const KEYS = [
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf',
  'type', 'filter', 'id', 'intervalMs', 'enabled', 'idleSec', 'intervalSec', 'count', 'userTimeoutMs',
  'keepaliveTimeSec', 'keepaliveIntvlSec', 'keepaliveProbes', 'host', 'port', 'on', 'state', 'pid', 'limit', 'offset', 'before',
];

export const hostileKey = fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 12 }));

/** Numbers at and past every bound, and the ones JSON allows but APIs forget. */
export const hostileNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 0.5, 1.5, 127, 128, 32767, 32768, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e21, 1e308, -1e308, 5e-324),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const leaf = fc.oneof(
  { weight: 4, arbitrary: hostileNumber },
  { weight: 3, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '0', '1e3', 'true', 'null', '127.0.0.1', '::1', 'localhost', '../../etc/passwd', '\u0000', '%00', '𝟘'.repeat(50)) },
);

/** Any JSON value a hostile client could send, nested a few levels, with pollution keys. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** A body an API field might get: an object of known and unknown keys with hostile values, or anything at all. */
export const hostileObject = (keys: string[]): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...keys), hostileKey), hostileValue, { maxKeys: 4 }) },
    { weight: 3, arbitrary: fc.record(Object.fromEntries(keys.map((k) => [k, hostileValue])), { requiredKeys: [] }) },
    { weight: 2, arbitrary: hostileValue },
  );

/** Bodies near the bounds (each key: a boolean, or a number around 0, 127, 32767 or 2^31): often valid, often just not. */
export const plausibleObject = (keys: string[]): fc.Arbitrary<unknown> =>
  fc.record(
    Object.fromEntries(
      keys.map((k) => [
        k,
        fc.oneof(
          { weight: 6, arbitrary: k === 'enabled' || k === 'on' ? fc.boolean() : fc.integer({ min: 1, max: 127 }) },
          { weight: 1, arbitrary: fc.boolean() },
          { weight: 2, arbitrary: fc.constantFrom(-1, 0, 128, 32766, 32767, 32768, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 1.5) },
        ),
      ]),
    ),
    { requiredKeys: [] },
  );

/** The text on the wire: JSON of a hostile or plausible value, or text that is not JSON at all, or 1 MB. */
export const hostileBodyText = (keys: string[]): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: hostileObject(keys).map((v) => JSON.stringify(v) ?? 'undefined') },
    { weight: 10, arbitrary: plausibleObject(keys).map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 2, arbitrary: fc.constantFrom('{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '{"idleSec":1e400}', '{"idleSec":', '[]', '""', 'null', '{}', '{"a":'.repeat(2000), '['.repeat(30_000) + ']'.repeat(30_000)) },
    { weight: 1, arbitrary: fc.constant(JSON.stringify({ host: MEGABYTE, idleSec: MEGABYTE })) },
  );

export const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x', 'application/jsonx') },
);

/** A distinct client address per call, so the per-address rate limits stay out of the way. */
let clientCounter = 0;
export const nextClient = (): string => `10.77.${(++clientCounter >> 8) & 255}.${clientCounter & 255}`;

/** Every refusal: a 4xx whose body is {code, message} and nothing that looks like a stack. */
export function assertClientError(res: { statusCode: number; body: string }, what: string): { code: string; message: string } {
  assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${what} → ${res.statusCode} ${res.body.slice(0, 300)}`);
  const body = JSON.parse(res.body) as { code: unknown; message: unknown };
  assert.equal(typeof body.code, 'string', `${what}: code`);
  assert.match(body.code as string, /^KA_ERR_[A-Z_]+$/, what);
  assert.equal(typeof body.message, 'string', `${what}: message`);
  assert.doesNotMatch(body.message as string, /\n\s+at /, `${what}: no stack trace`);
  return body as { code: string; message: string };
}

/** Object.prototype untouched by anything the server parsed. */
export function assertNoPollution(): void {
  const probe = {} as Record<string, unknown>;
  assert.equal(probe.polluted, undefined, 'Object.prototype.polluted');
  assert.equal(Object.keys(Object.prototype).length, 0, 'Object.prototype gained enumerable keys');
}

let gcFn: (() => void) | null = null;
/** Heap used after a full collection (gc reached through V8 flags, so no --expose-gc is needed). */
export function heapUsedAfterGc(): number {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
  gcFn();
  return process.memoryUsage().heapUsed;
}
