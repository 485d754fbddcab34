/** Command-line parsing for `keepalive-dashboard`, kept apart from main.ts so it is testable. */
import { parseArgs } from 'node:util';

export interface CliOptions {
  host: string;
  port: number;
  source: string;
  intervalMs: number;
  help: boolean;
}

export const USAGE = `Usage: keepalive-dashboard [options]

A live web dashboard for TCP keepalive on this host.

Options:
  --host ADDR        address to listen on (default 127.0.0.1)
  --port N           port to listen on (default 7405; 0 = any free port)
  --source NAME      auto | netlink | ss | netstat | proc (default auto)
  --interval MS      refresh interval in ms (default 1000, minimum 100)
  -h, --help         show this help
`;

export class CliError extends Error {}

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
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be 0–65535, got ${values.port}`);
  const intervalMs = Number(values.interval);
  if (!Number.isInteger(intervalMs) || intervalMs < 100) throw new CliError(`--interval must be an integer ≥ 100 ms, got ${values.interval}`);
  const sources = ['auto', 'netlink', 'ss', 'netstat', 'proc'];
  if (!sources.includes(values.source)) throw new CliError(`--source must be one of ${sources.join(', ')}, got ${values.source}`);
  return { host: values.host, port, source: values.source, intervalMs, help: values.help };
}
