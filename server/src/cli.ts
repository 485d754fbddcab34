/** Command-line parsing for `keepalive-dashboard`, kept apart from main.ts so it is testable. */
import { parseArgs } from 'node:util';

import { DEFAULT_MIDDLEBOX_TIMEOUT_SEC, MIDDLEBOX_TIMEOUT_SEC_MAX, MIDDLEBOX_TIMEOUT_SEC_MIN } from '@keepalive-dashboard/shared';

import type { SourceRequest } from './sources/select.js';

export interface CliOptions {
  host: string;
  port: number;
  source: SourceRequest;
  namespaces: 'all' | 'own';
  intervalMs: number;
  token: string | null;
  /** Where the token came from, for the start-up banner and its warning. */
  tokenSource: 'flag' | 'file' | 'env' | 'generated';
  tokenFile: string | null;
  allowedHosts: string[];
  streamStallMs: number;
  readOnly: boolean;
  auditLog: string | null;
  labAnyAddress: boolean;
  metricsPublic: boolean;
  /** The user's middlebox idle timeout the advisories compare with, s (PUT /api/settings changes it). */
  middleboxTimeoutSec: number;
  /** The Prometheus scraping the fleet, for the Host tab's fleet view (GET /api/fleet). */
  prometheus: string | null;
  help: boolean;
}

export const USAGE = `Usage: keepalive-dashboard [options]
       keepalive-dashboard parse --format ss|netstat|proc FILE

A live web dashboard for TCP keepalive on this host. Prints a login URL with a
one-time code; open it in a browser. Scripts use the API token as
\`Authorization: Bearer TOKEN\`.

Options:
  --host ADDR          address to listen on (default 127.0.0.1; anything else
                       exposes a tool that can change sockets: think twice)
  --port N             port to listen on (default 7405; 0 = any free port)
  --source NAME        auto | netlink | ss | netstat | proc (default auto:
                       netlink, falling back to the others)
  --namespaces WHICH   all | own: every network namespace on the host (default:
                       containers, pods, ip netns; entering them needs
                       CAP_SYS_ADMIN) or only the one the server runs in
  --interval MS        refresh interval in ms (default 1000, minimum 100)
  --token-file PATH    read the API token for scripts from PATH (first line);
                       or set KEEPALIVE_DASHBOARD_TOKEN (default: a random one)
  --token TOKEN        the same, but other users can read it in /proc/PID/cmdline:
                       prefer --token-file or the environment variable
  --allowed-host NAME  also answer to this Host name (repeatable); by default
                       only the listen address, localhost, 127.0.0.1 and [::1]
  --stream-stall-ms MS close a stream client that takes (next to) nothing of
                       what it was sent for this long (default 30000, min 1000)
  --read-only          refuse every change (retune, kill, sysctl, lab)
  --audit-log PATH     where changes are recorded (JSONL; default
                       $XDG_STATE_HOME/keepalive-dashboard/audit.jsonl)
  --lab-any-address    let lab connections go beyond loopback
  --metrics-public     serve /metrics without the token
  --middlebox-timeout SEC  the NAT / load balancer idle timeout connections are
                       judged against (default 350, 1–86400; /api/settings)
  --prometheus URL     the Prometheus scraping the fleet's agents: the Host tab
                       lists its hosts ranked by risk (user:pass@ in the URL
                       for basic auth)
  -h, --help           show this help

Subcommands:
  parse                read a saved ss / netstat / /proc/net/tcp capture and
                       print the connections as JSON (see: parse --help)
`;

/** A usage error: main prints its message on one line and exits 2. */
export class CliError extends Error {
  readonly code = 'KA_ERR_USAGE';
}

/** parseArgs' messages, said once and short: the help is one `--help` away, not dumped on every typo. */
function usageMessage(error: NodeJS.ErrnoException): string {
  const quoted = /'([^']+)'/.exec(error.message)?.[1] ?? '';
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${quoted}`;
  if (error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument ${JSON.stringify(quoted)}`;
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `${quoted.split(' ')[0]} needs a value`;
  return error.message;
}

const SOURCES = ['auto', 'netlink', 'ss', 'netstat', 'proc'] as const;

export const TOKEN_ENV = 'KEEPALIVE_DASHBOARD_TOKEN';

export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '7405' },
        source: { type: 'string', default: 'auto' },
        namespaces: { type: 'string', default: 'all' },
        interval: { type: 'string', default: '1000' },
        token: { type: 'string' },
        'token-file': { type: 'string' },
        'allowed-host': { type: 'string', multiple: true, default: [] },
        'stream-stall-ms': { type: 'string', default: '30000' },
        'read-only': { type: 'boolean', default: false },
        'audit-log': { type: 'string' },
        'lab-any-address': { type: 'boolean', default: false },
        'metrics-public': { type: 'boolean', default: false },
        'middlebox-timeout': { type: 'string', default: String(DEFAULT_MIDDLEBOX_TIMEOUT_SEC) },
        prometheus: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new CliError(usageMessage(error as NodeJS.ErrnoException));
  }
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) throw new CliError(`--port must be 0–65535, got ${values.port}`);
  const intervalMs = Number(values.interval);
  if (!/^\d+$/.test(values.interval) || intervalMs < 100) throw new CliError(`--interval must be an integer ≥ 100 ms, got ${values.interval}`);
  if (!(SOURCES as readonly string[]).includes(values.source)) throw new CliError(`--source must be one of ${SOURCES.join(', ')}, got ${values.source}`);
  if (values.namespaces !== 'all' && values.namespaces !== 'own') throw new CliError(`--namespaces must be all or own, got ${values.namespaces}`);
  const streamStallMs = Number(values['stream-stall-ms']);
  if (!/^\d+$/.test(values['stream-stall-ms']) || streamStallMs < 1000) throw new CliError(`--stream-stall-ms must be an integer ≥ 1000, got ${values['stream-stall-ms']}`);
  const middleboxTimeoutSec = Number(values['middlebox-timeout']);
  if (!/^\d+$/.test(values['middlebox-timeout']) || middleboxTimeoutSec < MIDDLEBOX_TIMEOUT_SEC_MIN || middleboxTimeoutSec > MIDDLEBOX_TIMEOUT_SEC_MAX) {
    throw new CliError(`--middlebox-timeout must be ${MIDDLEBOX_TIMEOUT_SEC_MIN}–${MIDDLEBOX_TIMEOUT_SEC_MAX} s, got ${values['middlebox-timeout']}`);
  }
  if (values.prometheus !== undefined && !/^https?:\/\/[^/]/.test(values.prometheus)) throw new CliError(`--prometheus takes an http:// or https:// URL, got ${JSON.stringify(values.prometheus)}`);
  if (values.token !== undefined && values['token-file'] !== undefined) throw new CliError('give --token or --token-file, not both');
  const envToken = env[TOKEN_ENV];
  const token = values.token ?? (values['token-file'] === undefined && envToken ? envToken : undefined);
  if (token !== undefined && token.length < 8) throw new CliError('the token must be at least 8 characters');
  for (const name of values['allowed-host']) {
    if (!/^[a-z0-9.:[\]-]{1,253}$/i.test(name)) throw new CliError(`--allowed-host takes a host name or IP address, got ${JSON.stringify(name)}`);
  }
  return {
    host: values.host,
    port,
    source: values.source as SourceRequest,
    namespaces: values.namespaces,
    intervalMs,
    token: token ?? null,
    tokenSource: values.token !== undefined ? 'flag' : values['token-file'] !== undefined ? 'file' : envToken ? 'env' : 'generated',
    tokenFile: values['token-file'] ?? null,
    streamStallMs,
    allowedHosts: values['allowed-host'].map((h) => h.replace(/^\[(.*)\]$/, '$1')),
    readOnly: values['read-only'],
    auditLog: values['audit-log'] ?? null,
    labAnyAddress: values['lab-any-address'],
    metricsPublic: values['metrics-public'],
    middleboxTimeoutSec,
    prometheus: values.prometheus ?? null,
    help: values.help,
  };
}
