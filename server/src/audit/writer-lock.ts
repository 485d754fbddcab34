/**
 * One writer per audit log: an exclusive flock(2) on `<log>.lock`, held for
 * the server's life. The kernel drops it when the process dies (kill -9
 * included), so a crashed run never leaves a stale lock; the holder's pid is
 * written into the file only so that the next one can say who holds it.
 */
import { closeSync, constants, ftruncateSync, readFileSync, readSync, writeSync } from 'node:fs';

import { lockFileExclusive } from '@keepalive-dashboard/native';

import { openPrivateFile } from '../security/owned-files.js';

const PID_BYTES = 32;

function readHolderPid(fd: number): number | null {
  const buffer = Buffer.alloc(PID_BYTES);
  const text = buffer.subarray(0, readSync(fd, buffer, 0, PID_BYTES, 0)).toString('utf8').trim();
  return /^\d{1,10}$/.test(text) ? Number(text) : null;
}

function commandOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

export class WriterLock {
  private constructor(private fd: number | null) {}

  /**
   * Takes the lock or throws (`code` EWOULDBLOCK) naming the pid that holds
   * it; `what` names the file the lock guards, for that message.
   */
  static acquire(path: string, what: string): WriterLock {
    const { fd } = openPrivateFile(path, constants.O_RDWR);
    try {
      lockFileExclusive(fd);
    } catch (error) {
      const code = (error as { code?: string }).code;
      const holder = code === 'EAGAIN' ? readHolderPid(fd) : null;
      closeSync(fd);
      // Anything else — the addon missing included, whose own error says so — refuses the log: no single-writer guarantee, no writes.
      if (code !== 'EAGAIN') throw error;
      // The holder writes its pid just after locking: it may not be there yet.
      const command = holder === null ? null : commandOf(holder);
      const who = holder === null ? 'another process (its pid is not written yet)' : `pid ${holder}${command ? ` (${command})` : ''}`;
      throw Object.assign(new Error(`${what} is in use by ${who}, which holds ${path}: one server per audit log; stop it, or give this one another --audit-log`), {
        code: 'EWOULDBLOCK',
      });
    }
    ftruncateSync(fd, 0);
    writeSync(fd, `${process.pid}\n`, 0);
    return new WriterLock(fd);
  }

  /** Releases the lock (closing the fd is what releases a flock). */
  release(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
