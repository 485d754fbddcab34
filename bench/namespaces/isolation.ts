/**
 * The namespaces bench runs in a private network, PID and mount namespace:
 * the server discovers every namespace on the host (/proc/*\/ns/net and
 * /run/netns), so on a shared machine it would otherwise measure other
 * sessions' containers and tests too. Inside, /proc shows only this run's
 * processes, /run/netns is a private tmpfs, and `ip netns add` there touches
 * nothing outside. When the namespace's first process exits (a crash, a
 * SIGKILL), the kernel kills every process in it and drops its mounts, and
 * with them every namespace the run created.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statfsSync } from 'node:fs';

/** Set by the wrapper for the process it starts inside; without it run() re-executes itself there. */
export const INSIDE_ENV = 'KA_BENCH_NAMESPACES_INSIDE';
const TMPFS_MAGIC = 0x01021994;
// The shell, this process and what it starts before checking: anything beyond is not ours.
const MAX_PROCESSES_AT_START = 4;

/**
 * The exact wrapper: `unshare` with --kill-child so a killed unshare takes the whole namespace with it;
 * the shell traps the signals (a trap with a command is reset in children, unlike an ignored signal) so
 * a Ctrl-C reaches the bench, which cleans up, instead of ending the namespace's init under it.
 */
export const WRAPPER_SCRIPT =
  'mount -t tmpfs none /run/netns 2>/dev/null || (mkdir -p /run/netns && mount -t tmpfs none /run/netns); ip link set lo up; trap : INT TERM HUP; "$@"; exit $?';

const UNSHARE = ['unshare', '--net', '--pid', '--fork', '--kill-child', '--mount', '--mount-proc'] as const;

/** The wrapper as a user would type it, for the report. */
export const WRAPPER_TEXT = `${UNSHARE.join(' ')} sh -c '${WRAPPER_SCRIPT}' sh COMMAND…`;

function wrapperCommand(innerArgv: readonly string[]): string[] {
  return [...UNSHARE, 'sh', '-c', WRAPPER_SCRIPT, 'sh', ...innerArgv];
}

/** Runs innerArgv inside the private namespaces, stdio shared; resolves with its exit code. */
export async function runIsolated(innerArgv: readonly string[]): Promise<number> {
  const [file, ...args] = wrapperCommand(innerArgv);
  const child = spawn(file as string, args, { stdio: 'inherit', env: { ...process.env, [INSIDE_ENV]: '1' } });
  // A Ctrl-C reaches the bench inside through the terminal's process group; this process only waits for it.
  const ignore = (): void => {};
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1)));
    });
  } finally {
    process.off('SIGINT', ignore);
    process.off('SIGTERM', ignore);
  }
}

/** Throws unless this process sees only its own run: a private /proc and an empty private /run/netns. */
export function assertIsolated(): void {
  const pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  if (pids.length > MAX_PROCESSES_AT_START) throw new Error(`not in a private PID namespace: /proc lists ${pids.length} processes`);
  if (statfsSync('/run/netns').type !== TMPFS_MAGIC) throw new Error('/run/netns is not the private tmpfs the wrapper mounts');
  const names = readdirSync('/run/netns');
  if (names.length > 0) throw new Error(`/run/netns is not empty: ${names.join(', ')}`);
}
