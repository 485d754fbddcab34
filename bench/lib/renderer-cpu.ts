/**
 * CPU the kernel charged the main threads of Chromium's renderers of one
 * profile. Unlike CDP's TaskDuration (wall time inside tasks), a task that
 * other processes preempt costs no more here: on a loaded machine the two
 * differ, and this one is what the page takes from the host.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SEC = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return ''; // exited between the listing and the read
  }
}

/** Pids of the renderers whose command line names `profileMarker` (part of its --user-data-dir). */
function renderers(profileMarker: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      const cmdline = readText(`/proc/${pid}/cmdline`);
      return cmdline.includes('--type=renderer') && cmdline.includes(profileMarker);
    })
    .map(Number);
}

/** utime + stime of the main thread alone (its tid is the pid; /proc/PID/stat would count every thread), ms. */
function mainThreadMs(pid: number): number {
  const stat = readText(`/proc/${pid}/task/${pid}/stat`);
  if (stat === '') return 0;
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SEC;
}

/** Call at the window's start; the returned function gives the main threads' CPU since then, % of one core. */
export function startRendererCpu(profileMarker: string): () => number {
  const pids = renderers(profileMarker);
  const total = (): number => pids.reduce((sum, pid) => sum + mainThreadMs(pid), 0);
  const t0 = performance.now();
  const before = total();
  return () => ((total() - before) * 100) / (performance.now() - t0);
}
