/**
 * net.ipv4.tcp_keepalive_{time,intvl,probes}: the defaults a socket gets
 * until it sets its own. They are per network namespace: /proc/sys/net
 * shows the namespace of whoever opens the file, so another namespace's are
 * opened by the addon from a thread inside it (openFileInNetns) and then
 * read and written here like any file.
 */
import { closeSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { openFileInNetns, type NetnsTarget } from '@keepalive-dashboard/native';
import type { Sysctl, SysctlPatch } from '@keepalive-dashboard/shared';

import { throughTargets } from './namespaces/errors.js';

const FILES: Record<keyof Sysctl, string> = {
  keepaliveTimeSec: 'tcp_keepalive_time',
  keepaliveIntvlSec: 'tcp_keepalive_intvl',
  keepaliveProbes: 'tcp_keepalive_probes',
};

/** How one namespace's sysctl files are reached. */
export interface SysctlFiles {
  read(file: string): string;
  write(file: string, text: string): void;
}

/** The server's own namespace: plain files (the directory is injectable for tests). */
export function ownSysctlFiles(dir = '/proc/sys/net/ipv4'): SysctlFiles {
  return {
    read: (file) => readFileSync(join(dir, file), 'utf8'),
    write: (file, text) => writeFileSync(join(dir, file), text),
  };
}

/** Another namespace's, each file opened inside it through the first target that still names it. */
export function netnsSysctlFiles(targets: readonly NetnsTarget[]): SysctlFiles {
  const gone = (): Error => Object.assign(new Error('no file names this namespace any more'), { code: 'ENOENT' });
  const open = (file: string, mode: 'r' | 'w'): number => throughTargets(targets, gone, (target) => openFileInNetns(target, `/proc/sys/net/ipv4/${file}`, mode));
  return {
    read(file) {
      const fd = open(file, 'r');
      try {
        const buffer = Buffer.alloc(64);
        return buffer.toString('utf8', 0, readSync(fd, buffer, 0, buffer.length, null));
      } finally {
        closeSync(fd);
      }
    },
    write(file, text) {
      const fd = open(file, 'w');
      try {
        writeSync(fd, text);
      } finally {
        closeSync(fd);
      }
    },
  };
}

export class SysctlStore {
  private readonly files: SysctlFiles;

  constructor(files: SysctlFiles | string = ownSysctlFiles()) {
    this.files = typeof files === 'string' ? ownSysctlFiles(files) : files;
  }

  read(): Sysctl {
    const read = (key: keyof Sysctl): number => Number(this.files.read(FILES[key]).trim());
    return { keepaliveTimeSec: read('keepaliveTimeSec'), keepaliveIntvlSec: read('keepaliveIntvlSec'), keepaliveProbes: read('keepaliveProbes') };
  }

  /** Writes the given values (already validated against the bounds); returns before and after. */
  write(patch: SysctlPatch): { before: Sysctl; after: Sysctl } {
    const before = this.read();
    for (const [key, value] of Object.entries(patch) as [keyof Sysctl, number | undefined][]) {
      if (value !== undefined) this.files.write(FILES[key], `${value}\n`);
    }
    return { before, after: this.read() };
  }
}
