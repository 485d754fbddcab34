/**
 * net.ipv4.tcp_keepalive_{time,intvl,probes}: the defaults a socket gets
 * until it sets its own. Per network namespace: this reads and writes the
 * namespace the server runs in.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Sysctl, SysctlPatch } from '@keepalive-dashboard/shared';

const FILES: Record<keyof Sysctl, string> = {
  keepaliveTimeSec: 'tcp_keepalive_time',
  keepaliveIntvlSec: 'tcp_keepalive_intvl',
  keepaliveProbes: 'tcp_keepalive_probes',
};

export class SysctlStore {
  constructor(private readonly dir = '/proc/sys/net/ipv4') {}

  read(): Sysctl {
    const read = (key: keyof Sysctl): number => Number(readFileSync(join(this.dir, FILES[key]), 'utf8').trim());
    return { keepaliveTimeSec: read('keepaliveTimeSec'), keepaliveIntvlSec: read('keepaliveIntvlSec'), keepaliveProbes: read('keepaliveProbes') };
  }

  /** Writes the given values (already validated against the bounds); returns before and after. */
  write(patch: SysctlPatch): { before: Sysctl; after: Sysctl } {
    const before = this.read();
    for (const [key, value] of Object.entries(patch) as [keyof Sysctl, number | undefined][]) {
      if (value !== undefined) writeFileSync(join(this.dir, FILES[key]), `${value}\n`);
    }
    return { before, after: this.read() };
  }
}
