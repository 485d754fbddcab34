#!/usr/bin/env node
/** The one place that listens on a port: parses flags, starts the app, prints the URL, closes on signals. */
import { readFile } from 'node:fs/promises';

import closeWithGrace from 'close-with-grace';
import Fastify from 'fastify';

import { app } from './app.js';
import { CliError, parseCli, USAGE } from './cli.js';
import { isLoopbackAddress } from './control/address-policy.js';
import { runParse } from './parse-command.js';

async function serve(argv: string[]): Promise<void> {
  let options;
  try {
    options = parseCli(argv);
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
  // Start-up collects once and scans /proc: on a host with 100k sockets that takes seconds.
  const fastify = Fastify({ logger: { level: 'warn' }, bodyLimit: 64 * 1024, pluginTimeout: 120_000 });
  await fastify.register(app, {
    source: options.source,
    intervalMs: options.intervalMs,
    readOnly: options.readOnly,
    labAnyAddress: options.labAnyAddress,
    metricsPublic: options.metricsPublic,
    log: (message) => console.error(`keepalive-dashboard: ${message}`),
    ...(options.token ? { token: options.token } : {}),
    ...(options.auditLog ? { auditLogPath: options.auditLog } : {}),
  });
  closeWithGrace({ delay: 3000 }, async ({ signal, err }) => {
    if (err) console.error('keepalive-dashboard: shutting down after an error', err);
    else if (signal) console.error(`keepalive-dashboard: ${signal}, shutting down`);
    await fastify.close();
  });
  await fastify.listen({ host: options.host, port: options.port });
  const ctx = fastify.ka;
  const address = fastify.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const selected = ctx.selected;
  const lines = [
    `keepalive-dashboard ${ctx.version}`,
    `  source:    ${selected.source.name}${selected.fallbacks.length ? ` (fell back: ${selected.fallbacks.map((f) => `${f.source}: ${f.reason}`).join('; ')})` : ''}`,
    `  interval:  ${ctx.intervalMs} ms${ctx.readOnly ? ' · read-only' : ''}`,
    `  audit log: ${ctx.audit.path}${ctx.audit.writable ? '' : ` — NOT WRITABLE (${ctx.audit.status().error}): changes are refused`}`,
    `  can:       ${[ctx.capabilities.netAdmin && 'kill connections', ctx.capabilities.sysPtrace && "retune other processes' sockets", ctx.capabilities.sysctlWrite && 'change sysctls'].filter(Boolean).join(', ') || 'read only what this user may see'}`,
    ...ctx.capabilities.missing.map((m) => `  missing:   ${m}`),
  ];
  if (!isLoopbackAddress(options.host)) {
    lines.push(`  WARNING:   listening on ${options.host}, not loopback: anyone who can reach it and has the token can change sockets on this host`);
  }
  lines.push('', `  Open: http://${host}:${port}/?token=${ctx.token}`, '');
  console.log(lines.join('\n'));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === 'parse') {
    const code = await runParse(argv.slice(1), {
      stdout: process.stdout,
      stderr: process.stderr,
      readFile: (path: string) => readFile(path, 'utf8'),
    });
    process.exitCode = code;
    return;
  }
  await serve(argv);
}

main().catch((error: unknown) => {
  console.error('keepalive-dashboard:', error instanceof Error ? error.message : error);
  process.exit(1);
});
