/**
 * POST /api/parse: a saved ss / netstat / /proc/net/tcp capture, read with the
 * same parsers as the sources, for the UI's "open a capture". Reads only, so
 * it is allowed in --read-only mode.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';

import { parseText } from '../parse-command.js';
import { validateBody } from './validate-body.js';

/** Captures of big hosts are large: 16 MiB holds `ss -tanoei` of ~30k sockets. */
export const MAX_CAPTURE_BYTES = 16 * 1024 * 1024;

const ParseSchema = Type.Object(
  {
    format: Type.Union([Type.Literal('ss'), Type.Literal('netstat'), Type.Literal('proc')]),
    text: Type.String({ maxLength: MAX_CAPTURE_BYTES }),
    userHz: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  },
  { additionalProperties: false },
);

export async function parseRoutes(fastify: FastifyInstance): Promise<void> {
  fastify.post('/api/parse', { bodyLimit: MAX_CAPTURE_BYTES + 4096, config: { rateLimit: { max: 60, timeWindow: '1 minute' } } }, async (request) => {
    const body = validateBody(ParseSchema, request.body);
    const { connections, issues } = parseText(body.format, body.text, body.userHz ?? 100);
    // At most the first thousand problems: a wrong format would list every line.
    return { connections, issues: issues.slice(0, 1000), issueCount: issues.length };
  });
}
