/**
 * The yardsticks, as CPU the kernel charged the child (bench/scale/proc.ts):
 * `ss -tanoiH` and the C inet_diag dump (bench/c/diag_dump.c), each run
 * inside the namespace through nsenter (which execs, so its own cost is a
 * setns and nothing per socket). ss sees one namespace per run: to see every
 * namespace of a layout it runs once in each, and that pass is one sample.
 *
 * A dump inside a namespace still walks the kernel's TCP hash, which every
 * namespace shares unless tcp_child_ehash_entries gave it its own: the dump
 * of an empty namespace beside the layout is what each per-namespace dump
 * pays before it reaches a socket of its own.
 */
import { median, round } from '../server/stats.js';
import { runChildCpu } from '../scale/proc.js';
import { NamedNamespaces, netnsPath } from './netns.js';

export interface Reference {
  /** One sample = one pass over every namespace given, ms CPU. */
  samplesCpuMs: number[];
  medianCpuMs: number;
  medianWallMs: number;
  /** Sockets the pass listed (the C dump's count for the floor, ss's lines for ss). */
  sockets: number;
}

const SS_ARGS = ['-tanoiH'] as const;

function inNamespace(name: string, command: string, args: readonly string[], keepStdout = false): ReturnType<typeof runChildCpu> {
  return runChildCpu('nsenter', [`--net=${netnsPath(name)}`, '--', command, ...args], keepStdout);
}

/** ss prints tcp_info on an indented continuation line: only the other lines are sockets. */
const countSsSockets = (stdout: string): number => stdout.split('\n').filter((line) => line !== '' && !/^\s/.test(line)).length;

function summarize(samples: { cpu: number; wall: number; sockets: number }[]): Reference {
  const r = (values: number[]): number => round(median(values), 1) as number;
  return {
    samplesCpuMs: samples.map((s) => s.cpu),
    medianCpuMs: r(samples.map((s) => s.cpu)),
    medianWallMs: r(samples.map((s) => s.wall)),
    sockets: Math.round(median(samples.map((s) => s.sockets)) ?? 0),
  };
}

/** `repeat` passes of ss over every namespace in `names`; the socket count from an extra pass that keeps stdout. */
export function measureSs(names: readonly string[], repeat: number): Reference {
  const sockets = names.reduce((sum, name) => sum + countSsSockets(inNamespace(name, 'ss', SS_ARGS, true).stdout), 0);
  const samples = Array.from({ length: repeat }, () => {
    const runs = names.map((name) => inNamespace(name, 'ss', SS_ARGS));
    return { cpu: runs.reduce((sum, r) => sum + r.cpuMs, 0), wall: runs.reduce((sum, r) => sum + r.wallMs, 0), sockets };
  });
  return summarize(samples);
}

/** `repeat` passes of the C dump over every namespace in `names`. */
export function measureFloor(floorBinary: string, names: readonly string[], repeat: number): Reference & { medianDumpMs: number } {
  const dumps: number[] = [];
  const samples = Array.from({ length: repeat }, () => {
    const runs = names.map((name) => {
      const run = inNamespace(name, floorBinary, [], true);
      return { run, out: JSON.parse(run.stdout) as { sockets: number; dumpNs: number } };
    });
    dumps.push(runs.reduce((sum, r) => sum + r.out.dumpNs / 1e6, 0));
    return { cpu: runs.reduce((sum, r) => sum + r.run.cpuMs, 0), wall: runs.reduce((sum, r) => sum + r.run.wallMs, 0), sockets: runs.reduce((sum, r) => sum + r.out.sockets, 0) };
  });
  return { ...summarize(samples), medianDumpMs: round(median(dumps), 1) as number };
}

/** The C dump in a namespace created empty for it (and deleted): the walk of the shared hash alone. */
export function measureEmptyFloor(floorBinary: string, repeat: number): Reference & { medianDumpMs: number } {
  const empty = new NamedNamespaces();
  try {
    return measureFloor(floorBinary, empty.add('empty', 1), repeat);
  } finally {
    empty.deleteAll();
  }
}
