#!/usr/bin/env node
/** The one place that listens on a port: parses flags, starts the app, prints the URL, closes on signals. */
import './heap-policy.js';

import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

import closeWithGrace from 'close-with-grace';
import Fastify from 'fastify';

import { app } from './app.js';
import type { AppContext } from './context.js';
import { CliError, parseCli, TOKEN_ENV, USAGE } from './cli.js';
import { isLoopbackAddress } from './control/address-policy.js';
import { runParse } from './parse-command.js';
import { serverOptions } from './server-options.js';

/** The banner's namespace line: how many are watched, and what limits reading them. */
function namespaceLine(ctx: AppContext): string {
  const seen = ctx.namespaces.list().length;
  if (ctx.namespaces.scope === 'own') return "only the server's own (--namespaces own)";
  const count = `${seen} network namespace${seen === 1 ? '' : 's'} watched`;
  return ctx.capabilities.sysAdmin || seen === 1 ? count : `${count}; without CAP_SYS_ADMIN the others are read from /proc/PID/net (no tcp_info)`;
}

/**
 * The banner's line on what this server may change: nothing when --read-only
 * or when the audit log refuses writes (every change is audited first), else
 * what its capabilities allow.
 */
function changesLine(ctx: AppContext): string {
  if (ctx.readOnly) return '  read-only: every change is refused (retune, kill, sysctl, lab): --read-only';
  if (!ctx.audit.writable) return `  changes refused: the audit log ${ctx.audit.path} cannot be written`;
  const can = [ctx.capabilities.netAdmin && 'kill connections', ctx.capabilities.sysPtrace && "retune other processes' sockets", ctx.capabilities.sysctlWrite && 'change sysctls'];
  return `  can:       ${can.filter(Boolean).join(', ') || 'read only what this user may see'}`;
}

/** The token for scripts from --token-file: its first line. A file others can read is no secret. */
function readTokenFile(path: string): { token: string; warning: string | null } {
  let text: string;
  let mode: number;
  try {
    text = readFileSync(path, 'utf8');
    mode = statSync(path).mode;
  } catch (error) {
    throw new CliError(`--token-file ${path}: ${(error as Error).message}`);
  }
  const token = text.split('\n')[0]?.trim() ?? '';
  if (token.length < 8) throw new CliError(`--token-file ${path}: the first line must hold a token of at least 8 characters`);
  const warning = mode & 0o044 ? `--token-file ${path} is readable by other users (mode ${(mode & 0o777).toString(8)}): chmod 600 it` : null;
  return { token, warning };
}

async function serve(argv: string[]): Promise<void> {
  let options;
  try {
    options = parseCli(argv);
  } catch (error) {
    if (error instanceof CliError) {
      console.error(`keepalive-dashboard: ${error.message}; see --help`);
      process.exit(2);
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  const warn = (message: string): void => console.error(`keepalive-dashboard: ${message}`);
  let token = options.token;
  // Read once; child processes (ss, ip, nft) have no use for it.
  delete process.env[TOKEN_ENV];
  try {
    if (options.tokenFile) {
      const read = readTokenFile(options.tokenFile);
      token = read.token;
      if (read.warning) warn(read.warning);
    }
  } catch (error) {
    console.error(`keepalive-dashboard: ${(error as Error).message}`);
    process.exit(2);
  }
  if (options.tokenSource === 'flag') {
    warn(`--token is visible to every user on this host in /proc/${process.pid}/cmdline: use --token-file or ${TOKEN_ENV} instead`);
  }
  const fastify = Fastify({ logger: { level: 'warn' }, ...serverOptions() });
  let loginBase = '';
  const printLogin = (why: string): void => {
    console.log(`  ${why}: ${loginBase}/login?code=${fastify.ka.auth.sessions.issueCode()}`);
  };
  await fastify.register(app, {
    source: options.source,
    namespaces: options.namespaces,
    intervalMs: options.intervalMs,
    readOnly: options.readOnly,
    labAnyAddress: options.labAnyAddress,
    metricsPublic: options.metricsPublic,
    listenHost: options.host,
    allowedHosts: options.allowedHosts,
    streamStallMs: options.streamStallMs,
    middleboxTimeoutSec: options.middleboxTimeoutSec,
    onLoginCodeSpent: () => printLogin('Login link used; another browser can log in once with'),
    log: warn,
    ...(token ? { token } : {}),
    ...(options.auditLog ? { auditLogPath: options.auditLog } : {}),
    ...(options.prometheus ? { prometheusUrl: options.prometheus } : {}),
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
  // A wildcard address is no place a browser can go: print loopback.
  const shown = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const host = shown.includes(':') ? `[${shown}]` : shown;
  const selected = ctx.selected;
  const lines = [
    `keepalive-dashboard ${ctx.version}`,
    `  source:    ${selected.source.name}${selected.fallbacks.length ? ` (fell back: ${selected.fallbacks.map((f) => `${f.source}: ${f.reason}`).join('; ')})` : ''}`,
    `  interval:  ${ctx.intervalMs} ms`,
    `  netns:     ${namespaceLine(ctx)}`,
    `  audit log: ${ctx.audit.path}${ctx.audit.writable ? '' : ` — NOT WRITABLE (${ctx.audit.status().error})`}`,
    changesLine(ctx),
    ...ctx.capabilities.missing.map((m) => `  missing:   ${m}`),
  ];
  if (!isLoopbackAddress(options.host)) {
    lines.push(`  WARNING:   listening on ${options.host}, not loopback: anyone who can reach it and has the token can change sockets on this host`);
  }
  loginBase = `http://${host}:${port}`;
  lines.push(`  API token: ${options.tokenSource === 'generated' ? `${ctx.token} (for scripts: Authorization: Bearer TOKEN)` : `from ${options.tokenSource === 'file' ? options.tokenFile : options.tokenSource === 'env' ? TOKEN_ENV : '--token'}`}`);
  console.log(lines.join('\n'));
  // One-time code: the browser swaps it for a session cookie, so a leaked history entry opens nothing.
  console.log('');
  printLogin('Open');
  console.log('');
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
