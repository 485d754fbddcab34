/**
 * POST /api/parse: a saved ss / netstat / /proc/net/tcp capture, read with the
 * same parsers as the sources, for the UI's "open a capture". Reads only, so
 * it is allowed in --read-only mode. The parse runs on a worker thread
 * (parse-worker.ts), so a big capture never stalls the event loop.
 */
import { Worker } from 'node:worker_threads';

import type { FastifyInstance } from 'fastify';

import { MAX_CAPTURE_BYTES, ParseRequestSchema } from '@keepalive-dashboard/shared';

import { ApiError } from '../errors.js';
import type { ParseJob } from './parse-worker.js';
import type { TypeBoxProvider } from './schema-validation.js';


/** Each parse holds its capture several times over (text, connections, JSON): few at once bounds the memory. */
const MAX_PARSES_AT_ONCE = 2;

export async function parseRoutes(app: FastifyInstance): Promise<void> {
  const fastify = app.withTypeProvider<TypeBoxProvider>();
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

  const options = { schema: { body: ParseRequestSchema }, bodyLimit: MAX_CAPTURE_BYTES + 4096, config: { rateLimit: { max: 60, timeWindow: '1 minute' } } };
  fastify.post('/api/parse', options, async (request, reply) => {
    const body = request.body;
    if (running.size >= MAX_PARSES_AT_ONCE) {
      throw new ApiError('KA_ERR_RATE_LIMITED', `${running.size} captures are being parsed already: try again when one is done`);
    }
    const json = await parseOffLoop({ format: body.format, text: body.text, userHz: body.userHz ?? 100 });
    return reply.type('application/json; charset=utf-8').send(json);
  });
}
