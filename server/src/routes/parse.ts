/**
 * POST /api/parse: a saved ss / netstat / /proc/net/tcp capture, read with the
 * same parsers as the sources, for the UI's "open a capture". Reads only, so
 * it is allowed in --read-only mode. The parse runs on a worker thread
 * (parse-worker.ts), so a big capture never stalls the event loop.
 */
import { Worker } from 'node:worker_threads';

import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';

import { ApiError } from '../errors.js';
import type { ParseJob } from './parse-worker.js';
import { validateBody } from './validate-body.js';

/** Captures of big hosts are large: 16 MiB holds `ss -tanoei` of ~30k sockets. */
export const MAX_CAPTURE_BYTES = 16 * 1024 * 1024;

/** Each parse holds its capture several times over (text, connections, JSON): few at once bounds the memory. */
const MAX_PARSES_AT_ONCE = 2;

const ParseSchema = Type.Object(
  {
    format: Type.Union([Type.Literal('ss'), Type.Literal('netstat'), Type.Literal('proc')]),
    text: Type.String({ maxLength: MAX_CAPTURE_BYTES }),
    userHz: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  },
  { additionalProperties: false },
);

export async function parseRoutes(fastify: FastifyInstance): Promise<void> {
  const running = new Set<Worker>();
  fastify.addHook('onClose', async () => {
    await Promise.all([...running].map((worker) => worker.terminate()));
  });

  /** The reply's JSON, from a worker of its own that ends with the parse. */
  const parseOffLoop = (job: ParseJob): Promise<string> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./parse-worker.js', import.meta.url), { workerData: job });
      running.add(worker);
      worker.once('message', (json: string) => resolve(json));
      worker.once('error', reject);
      worker.once('exit', (code) => {
        running.delete(worker);
        reject(new ApiError('KA_ERR_INTERNAL', `the parse worker exited with status ${code} before answering`));
      });
    });

  fastify.post('/api/parse', { bodyLimit: MAX_CAPTURE_BYTES + 4096, config: { rateLimit: { max: 60, timeWindow: '1 minute' } } }, async (request, reply) => {
    const body = validateBody(ParseSchema, request.body);
    if (running.size >= MAX_PARSES_AT_ONCE) {
      throw new ApiError('KA_ERR_RATE_LIMITED', `${running.size} captures are being parsed already: try again when one is done`);
    }
    const json = await parseOffLoop({ format: body.format, text: body.text, userHz: body.userHz ?? 100 });
    return reply.type('application/json; charset=utf-8').send(json);
  });
}
