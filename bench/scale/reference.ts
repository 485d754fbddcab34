/**
 * The two yardsticks the goals are ratios of, measured at each size in the
 * same run: one `ss -tanoiH` and the C floor (one inet_diag dump with
 * INET_DIAG_INFO, bench/c/diag_dump.c). Both as CPU the kernel charged the
 * child, taken interleaved so drift from other load hits both alike.
 */
import { median, round } from '../server/stats.js';
import { runChildCpu } from './proc.js';

export interface Reference {
  samplesCpuMs: number[];
  medianCpuMs: number;
  medianWallMs: number;
  sockets: number;
}

export interface References {
  ss: Reference;
  floor: Reference & { medianDumpMs: number };
}

const SS_ARGS = ['-tanoiH'] as const;

/** ss prints tcp_info on an indented continuation line: only the other lines are sockets. */
function countSsSockets(): number {
  const out = runChildCpu('ss', SS_ARGS, true);
  return out.stdout.split('\n').filter((line) => line !== '' && !/^\s/.test(line)).length;
}

export function measureReferences(floorBinary: string, repeat: number): References {
  const ssSockets = countSsSockets();
  const ss: { cpu: number[]; wall: number[] } = { cpu: [], wall: [] };
  const floor: { cpu: number[]; wall: number[]; dump: number[]; sockets: number[] } = { cpu: [], wall: [], dump: [], sockets: [] };
  for (let i = 0; i < repeat; i++) {
    const s = runChildCpu('ss', SS_ARGS);
    ss.cpu.push(s.cpuMs);
    ss.wall.push(s.wallMs);
    const f = runChildCpu(floorBinary, [], true);
    const out = JSON.parse(f.stdout) as { sockets: number; withInfo: number; dumpNs: number };
    floor.cpu.push(f.cpuMs);
    floor.wall.push(f.wallMs);
    floor.dump.push(out.dumpNs / 1e6);
    floor.sockets.push(out.sockets);
  }
  const r = (values: number[]): number => round(median(values), 1) as number;
  return {
    ss: { samplesCpuMs: ss.cpu, medianCpuMs: r(ss.cpu), medianWallMs: r(ss.wall), sockets: ssSockets },
    floor: { samplesCpuMs: floor.cpu, medianCpuMs: r(floor.cpu), medianWallMs: r(floor.wall), medianDumpMs: r(floor.dump), sockets: Math.round(median(floor.sockets) ?? 0) },
  };
}
