/** Command-line parsing for `keepalive-dashboard`, kept apart from main.ts so it is testable. */
import { parseArgs } from 'node:util';

import type { SourceRequest } from './sources/select.js';

export interface CliOptions {
  host: string;
  port: number;
  source: SourceRequest;
  intervalMs: number;
  token: string | null;
  readOnly: boolean;
  auditLog: string | null;
  labAnyAddress: boolean;
  metricsPublic: boolean;
  help: boolean;
}

export const USAGE = `Usage: keepalive-dashboard [options]
       keepalive-dashboard parse --format ss|netstat|proc FILE

A live web dashboard for TCP keepalive on this host. Prints a URL with an
access token; open it in a browser.

Options:
  --host ADDR          address to listen on (default 127.0.0.1; anything else
                       exposes a tool that can change sockets: think twice)
  --port N             port to listen on (default 7405; 0 = any free port)
  --source NAME        auto | netlink | ss | netstat | proc (default auto:
                       netlink, falling back to the others)
  --interval MS        refresh interval in ms (default 1000, minimum 100)
  --token TOKEN        API token (default: a random one, printed at start)
  --read-only          refuse every change (retune, kill, sysctl, lab)
  --audit-log PATH     where changes are recorded (JSONL; default
                       $XDG_STATE_HOME/keepalive-dashboard/audit.jsonl)
  --lab-any-address    let lab connections go beyond loopback
  --metrics-public     serve /metrics without the token
  -h, --help           show this help

Subcommands:
  parse                read a saved ss / netstat / /proc/net/tcp capture and
                       print the connections as JSON (see: parse --help)
`;

export class CliError extends Error {}

const SOURCES = ['auto', 'netlink', 'ss', 'netstat', 'proc'] as const;

export function parseCli(argv: string[]): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '7405' },
        source: { type: 'string', default: 'auto' },
        interval: { type: 'string', default: '1000' },
        token: { type: 'string' },
        'read-only': { type: 'boolean', default: false },
        'audit-log': { type: 'string' },
        'lab-any-address': { type: 'boolean', default: false },
        'metrics-public': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) throw new CliError(`--port must be 0–65535, got ${values.port}`);
  const intervalMs = Number(values.interval);
  if (!/^\d+$/.test(values.interval) || intervalMs < 100) throw new CliError(`--interval must be an integer ≥ 100 ms, got ${values.interval}`);
  if (!(SOURCES as readonly string[]).includes(values.source)) throw new CliError(`--source must be one of ${SOURCES.join(', ')}, got ${values.source}`);
  if (values.token !== undefined && values.token.length < 8) throw new CliError('--token must be at least 8 characters');
  return {
    host: values.host,
    port,
    source: values.source as SourceRequest,
    intervalMs,
    token: values.token ?? null,
    readOnly: values['read-only'],
    auditLog: values['audit-log'] ?? null,
    labAnyAddress: values['lab-any-address'],
    metricsPublic: values['metrics-public'],
    help: values.help,
  };
}
