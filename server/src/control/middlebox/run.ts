/** Runs the lab's commands (`ip`, `nft`, `conntrack`) with a timeout; errors carry a string code. */
import { execFile } from 'node:child_process';

const COMMAND_TIMEOUT_MS = 10_000;

export type RunCommand = (command: string, args: string[], stdin?: string) => Promise<string>;

export const runCommand: RunCommand = (command, args, stdin) =>
  new Promise((resolve, reject) => {
    const child = execFile(command, args, { timeout: COMMAND_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const missing = (error as { code?: unknown }).code === 'ENOENT';
      const detail = `${command} ${args.join(' ')}: ${stderr.trim() || error.message}`;
      const code = missing ? 'ENOENT' : /Operation not permitted/i.test(stderr) ? 'EPERM' : 'EIO';
      reject(Object.assign(new Error(missing ? `the \`${command}\` command is missing` : detail), { code, stderr }));
    });
    // A command that exits without reading its stdin must not turn into an EPIPE thrown elsewhere.
    child.stdin?.on('error', () => {});
    child.stdin?.end(stdin ?? '');
  });
