/** Runs a host tool (ss, netstat) and returns its stdout; a missing tool says which Debian package holds it. */
import { spawn } from 'node:child_process';

import type { SourceName } from '@keepalive-dashboard/shared';

import { SourceUnavailableError } from './types.js';

export interface ToolOptions {
  /** PATH used to find the tool (default: this process's). */
  path?: string;
  /** Environment for the tool (default: this process's); LC_ALL is always C so names and numbers are untranslated. */
  env?: NodeJS.ProcessEnv;
  /**
   * Run it inside the network namespace this file names (/proc/PID/ns/net,
   * /run/netns/NAME) with util-linux's `nsenter --net=FILE`: the tool is ours
   * to enter, this process never changes namespace. Needs CAP_SYS_ADMIN.
   */
  enterNetns?: string;
}

/** nsenter's own failure (it prints `nsenter: …` and exits 1 before the tool runs), with the errno it names. */
export class EnterNetnsError extends Error {
  readonly code: string;
  constructor(
    readonly path: string,
    detail: string,
  ) {
    const code = /not permitted/i.test(detail) ? 'EPERM' : /No such file/i.test(detail) ? 'ENOENT' : /Invalid argument/i.test(detail) ? 'EINVAL' : 'EIO';
    super(code === 'EPERM' ? `entering network namespace ${path} needs CAP_SYS_ADMIN (${detail})` : `cannot enter network namespace ${path}: ${detail}`);
    this.name = 'EnterNetnsError';
    this.code = code;
  }
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
  const enter = options.enterNetns;
  const [command, args] = enter === undefined ? [tool.command, tool.args] : ['nsenter', [`--net=${enter}`, '--', tool.command, ...tool.args]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      // Only the first line is reported; keep a little, not a warning per socket.
      if (err.length < 4096) err += chunk.toString('utf8');
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        const missing = enter === undefined ? tool.command : 'nsenter';
        reject(new SourceUnavailableError(tool.source, `${missing} not found in PATH`, `install the Debian package ${enter === undefined ? tool.debianPackage : 'util-linux'}`));
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
      if (enter !== undefined && detail.startsWith('nsenter:')) {
        reject(new EnterNetnsError(enter, detail.slice('nsenter:'.length).trim()));
        return;
      }
      const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
      reject(new Error(`${tool.command} ${tool.args.join(' ')} ${how}${detail ? `: ${detail}` : ''}`));
    });
  });
}
