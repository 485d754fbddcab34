/**
 * CPU and memory of other processes, from outside: the server runs as its
 * own process, so what it costs the host is what the kernel charged it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

// USER_HZ: the unit of utime/stime in /proc/PID/stat. Fixed at 100 on every
// Linux ABI, whatever the kernel's HZ; getconf confirms it where present.
const CLOCK_TICKS_PER_SEC = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

export interface CpuReading {
  /** performance.now() when read. */
  at: number;
  userMs: number;
  sysMs: number;
}

/** utime + stime of every thread of `pid`, living or exited (/proc/PID/stat fields 14 and 15). */
export function readCpu(pid: number): CpuReading {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksToMs = 1000 / CLOCK_TICKS_PER_SEC;
  return { at: performance.now(), userMs: Number(fields[11]) * ticksToMs, sysMs: Number(fields[12]) * ticksToMs };
}

export interface CpuWindow {
  wallSec: number;
  userMsPerSec: number;
  sysMsPerSec: number;
  totalMsPerSec: number;
  /** CPU ms in each whole second of the window, for spotting a spike that a mean hides. */
  perSecondMs: number[];
}

/** Samples `pid`'s CPU every second for `seconds`; the mean is over the whole window, not the seconds. */
export async function measureCpuWindow(pid: number, seconds: number): Promise<CpuWindow> {
  const first = readCpu(pid);
  const perSecondMs: number[] = [];
  let previous = first;
  for (let s = 0; s < seconds; s++) {
    await new Promise((resolve) => setTimeout(resolve, first.at + (s + 1) * 1000 - performance.now()));
    const now = readCpu(pid);
    perSecondMs.push(now.userMs + now.sysMs - previous.userMs - previous.sysMs);
    previous = now;
  }
  const wallSec = (previous.at - first.at) / 1000;
  const userMsPerSec = (previous.userMs - first.userMs) / wallSec;
  const sysMsPerSec = (previous.sysMs - first.sysMs) / wallSec;
  return { wallSec, userMsPerSec, sysMsPerSec, totalMsPerSec: userMsPerSec + sysMsPerSec, perSecondMs };
}

/** VmRSS and VmHWM (the kernel's own high-water mark of RSS, so no peak between samples is missed), MB. */
export function readMemory(pid: number): { rssMb: number; peakRssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
}

export interface ChildCpu {
  /** user + sys of the child, ms (getrusage of the waited child: ms resolution, not clock ticks). */
  cpuMs: number;
  userMs: number;
  sysMs: number;
  wallMs: number;
  stdout: string;
}

/**
 * Runs a command to completion under bash and returns what the kernel charged
 * it: bash's `times` prints the rusage of its waited children, which
 * spawnSync does not give us. bash's own start-up is not a child of itself.
 */
export function runChildCpu(command: string, args: readonly string[], keepStdout = false): ChildCpu {
  const script = keepStdout ? '"$@"; s=$?; echo; times; exit $s' : '"$@" >/dev/null; s=$?; times; exit $s';
  const started = performance.now();
  const out = spawnSync('bash', ['-c', script, 'bash', command, ...args], { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 300_000 });
  const wallMs = performance.now() - started;
  if (out.error) throw out.error;
  if (out.status !== 0) throw new Error(`${command} exited ${out.status}: ${out.stderr.trim().slice(0, 200)}`);
  const lines = out.stdout.trimEnd().split('\n');
  // `times`: this shell's user and sys, then its children's: "0m0.064s 0m0.013s".
  const children = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(lines.at(-1) ?? '');
  if (!children) throw new Error(`bash times printed ${JSON.stringify(lines.slice(-2))}`);
  const userMs = (Number(children[1]) * 60 + Number(children[2])) * 1000;
  const sysMs = (Number(children[3]) * 60 + Number(children[4])) * 1000;
  return { cpuMs: userMs + sysMs, userMs, sysMs, wallMs, stdout: lines.slice(0, -2).join('\n') };
}
