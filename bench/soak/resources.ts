/**
 * This process's memory and CPU, sampled once a second. The server runs in
 * this process and the stream clients do not, so these are the server's
 * figures (plus the soak's own bookkeeping, which is small: a few timers and
 * the counters the client hosts send back).
 */

export interface MemorySample {
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
}

export interface CpuSecond {
  /** Epoch ms at the end of the second. */
  at: number;
  /** CPU used in it (user + system, every thread of the process), ms per wall second. */
  cpuMsPerSec: number;
  rssBytes: number;
}

export function memoryNow(): MemorySample {
  const m = process.memoryUsage();
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, heapTotalBytes: m.heapTotal, externalBytes: m.external, arrayBuffersBytes: m.arrayBuffers };
}

/** CPU from `since` to now, in ms of CPU per second of wall time. */
export function cpuMsPerSec(since: { cpu: NodeJS.CpuUsage; at: number }): { userMsPerSec: number; systemMsPerSec: number; totalMsPerSec: number; wallSec: number } {
  const used = process.cpuUsage(since.cpu);
  const wallSec = (performance.now() - since.at) / 1000;
  const userMsPerSec = used.user / 1000 / wallSec;
  const systemMsPerSec = used.system / 1000 / wallSec;
  return { userMsPerSec, systemMsPerSec, totalMsPerSec: userMsPerSec + systemMsPerSec, wallSec };
}

export const cpuMark = (): { cpu: NodeJS.CpuUsage; at: number } => ({ cpu: process.cpuUsage(), at: performance.now() });

/** Samples every second until stopped; also keeps the highest RSS seen. */
export class ResourceSampler {
  readonly seconds: CpuSecond[] = [];
  peakRssBytes = 0;
  private last = cpuMark();
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.peakRssBytes = process.memoryUsage.rss();
    this.timer = setInterval(() => this.sample(), 1000);
    this.timer.unref();
  }

  private sample(): void {
    const cpu = cpuMsPerSec(this.last);
    this.last = cpuMark();
    const rssBytes = process.memoryUsage.rss();
    this.peakRssBytes = Math.max(this.peakRssBytes, rssBytes);
    this.seconds.push({ at: Date.now(), cpuMsPerSec: cpu.totalMsPerSec, rssBytes });
  }

  /** The samples taken after `at` (epoch ms). */
  since(at: number): CpuSecond[] {
    return this.seconds.filter((s) => s.at > at);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
