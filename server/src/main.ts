#!/usr/bin/env node
/** The one place that listens on a port: parses flags, starts the app, prints the URL, closes on signals. */
import closeWithGrace from 'close-with-grace';
import Fastify from 'fastify';

import { app } from './app.js';
import { CliError, parseCli, USAGE } from './cli.js';

async function main(): Promise<void> {
  let options;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CliError) {
      console.error(`keepalive-dashboard: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  const fastify = Fastify({ logger: { level: 'warn' } });
  await fastify.register(app, { source: options.source, intervalMs: options.intervalMs });
  closeWithGrace({ delay: 2000 }, async ({ signal, err }) => {
    if (err) fastify.log.error({ err }, 'shutting down after an error');
    else if (signal) fastify.log.info(`${signal} received, shutting down`);
    await fastify.close();
  });
  await fastify.listen({ host: options.host, port: options.port });
  const address = fastify.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  console.log(`keepalive-dashboard listening on http://${host}:${port}/`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
