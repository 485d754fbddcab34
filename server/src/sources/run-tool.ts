/** Runs a host tool (ss, netstat) and returns its stdout; a missing tool says which Debian package holds it. */
import { spawn } from 'node:child_process';

import type { SourceName } from '@keepalive-dashboard/shared';

import { SourceUnavailableError } from './types.js';

export interface ToolOptions {
  /** PATH used to find the tool (default: this process's). */
  path?: string;
  /** Environment for the tool (default: this process's); LC_ALL is always C so names and numbers are untranslated. */
  env?: NodeJS.ProcessEnv;
}

export interface Tool {
  source: SourceName;
  command: string;
  args: readonly string[];
  debianPackage: string;
}

export function runTool(tool: Tool, options: ToolOptions = {}): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env), LC_ALL: 'C' };
  if (options.path !== undefined) env.PATH = options.path;
  return new Promise((resolve, reject) => {
    const child = spawn(tool.command, tool.args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      // Only the first line is reported; keep a little, not a warning per socket.
      if (err.length < 4096) err += chunk.toString('utf8');
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(new SourceUnavailableError(tool.source, `${tool.command} not found in PATH`, `install the Debian package ${tool.debianPackage}`));
      } else {
        reject(new SourceUnavailableError(tool.source, `cannot run ${tool.command}: ${error.message}`));
      }
    });
    child.on('close', (code, signal) => {
      // stderr alone is no failure: ss -e inside a network namespace warns
      // "Failed to find cgroup2 mount" once per socket and still prints them all.
      if (code === 0) {
        resolve(Buffer.concat(out).toString('utf8'));
        return;
      }
      const detail = err.trim().split('\n')[0] ?? '';
      const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
      reject(new Error(`${tool.command} ${tool.args.join(' ')} ${how}${detail ? `: ${detail}` : ''}`));
    });
  });
}
