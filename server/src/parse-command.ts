/**
 * `keepalive-dashboard parse --format ss|netstat|proc FILE`: runs one text
 * parser over a saved capture and prints the normalized connections — to see
 * what the dashboard would make of another host's `ss` output, or to debug a
 * line it skips. `argv` is what follows the `parse` word.
 */
import { parseArgs } from 'node:util';

import type { Connection } from '@keepalive-dashboard/shared';

import { parseNetstat } from './sources/netstat.js';
import { parseProcNetTcp } from './sources/proc.js';
import { parseSs } from './sources/ss.js';
import type { ParseResult } from './sources/types.js';

export const PARSE_USAGE = `Usage: keepalive-dashboard parse --format ss|netstat|proc [--user-hz N] FILE

Parses a saved capture and prints its connections as one JSON array.
Lines it cannot read go to stderr as FILE:LINE: message; they do not change the exit status.

  --format ss       output of ss -tan with any of -o -e -i -H -O (never needs -p)
  --format netstat  output of netstat -tanoeW
  --format proc     contents of /proc/net/tcp, /proc/net/tcp6 or both (each line's family from its address width)
  --user-hz N       ticks per second of /proc timers (default 100; getconf CLK_TCK on the capturing host)
  -h, --help        show this help

Exit status: 0 parsed (even with skipped lines), 2 usage error or unreadable FILE.
`;

export interface ParseCommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  readFile(path: string): Promise<string>;
}

const FORMATS = ['ss', 'netstat', 'proc'] as const;
type Format = (typeof FORMATS)[number];

class UsageError extends Error {}

function parseCommandLine(argv: string[]): { help: true } | { help: false; format: Format; userHz: number; file: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        format: { type: 'string' },
        'user-hz': { type: 'string', default: '100' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  const format = values.format as Format | undefined;
  if (format === undefined) throw new UsageError('--format is required');
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got ${format}`);
  const userHz = Number(values['user-hz']);
  if (!Number.isInteger(userHz) || userHz <= 0) throw new UsageError(`--user-hz must be a positive integer, got ${values['user-hz']}`);
  if (positionals.length !== 1) throw new UsageError(`expected one FILE, got ${positionals.length}`);
  return { help: false, format, userHz, file: positionals[0] ?? '' };
}

export function parseText(format: Format, text: string, userHz: number): ParseResult {
  if (format === 'ss') return parseSs(text);
  if (format === 'netstat') return parseNetstat(text);
  // A capture may be `cat /proc/net/tcp /proc/net/tcp6`: each line's family from its address.
  return parseProcNetTcp(text, 'mixed', userHz);
}

export async function runParse(argv: string[], io: ParseCommandIo): Promise<number> {
  let command;
  try {
    command = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`keepalive-dashboard parse: ${error.message}\n\n${PARSE_USAGE}`);
    return 2;
  }
  if (command.help) {
    io.stdout.write(PARSE_USAGE);
    return 0;
  }
  let text: string;
  try {
    text = await io.readFile(command.file);
  } catch (error) {
    io.stderr.write(`keepalive-dashboard parse: cannot read ${command.file}: ${(error as Error).message}\n`);
    return 2;
  }
  const { connections, issues } = parseText(command.format, text, command.userHz);
  for (const issue of issues) io.stderr.write(`${command.file}:${issue.line}: ${issue.message}\n`);
  const output: Connection[] = connections;
  io.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  return 0;
}
