/**
 * The durable audit log: one JSON object per line, appended and fsynced
 * before the API answers. It survives restarts (sequence numbers continue);
 * if it cannot be written the server refuses changes rather than make them unaudited.
 *
 * The server runs as root, so the path is checked before anything is
 * appended: a mistyped or malicious `--audit-log /etc/passwd` must not grow a
 * system file. Accepted: a path that does not exist yet (created 0600), or an
 * existing regular file that is empty or whose first line is one of our
 * events. Refused: a symbolic link as the last component (never followed:
 * O_NOFOLLOW), anything not a regular file, and any other existing file.
 */
import { closeSync, constants, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { EVENT_TYPES, type DashboardEvent } from '@keepalive-dashboard/shared';

export interface AuditStatus {
  path: string;
  writable: boolean;
  error: string | null;
}

export class AuditLog {
  private fd: number | null = null;
  private error: string | null = null;
  private lastSeq = 0;
  readonly path: string;

  constructor(path: string) {
    this.path = resolve(path);
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      const existing = checkAuditPath(this.path);
      // O_NOFOLLOW: a symlink swapped in after the check is refused too (ELOOP).
      const fd = openSync(this.path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
      const opened = fstatSync(fd);
      if (!opened.isFile() || (existing && (opened.dev !== existing.dev || opened.ino !== existing.ino))) {
        closeSync(fd);
        throw refusal('EEXIST', `${this.path} changed while it was being opened: refusing it`);
      }
      this.fd = fd;
      this.lastSeq = this.readAll().reduce((max, e) => Math.max(max, typeof e.seq === 'number' ? e.seq : 0), 0);
    } catch (error) {
      this.error = `${(error as NodeJS.ErrnoException).code ?? 'error'}: ${(error as Error).message}`;
    }
  }

  status(): AuditStatus {
    return { path: this.path, writable: this.fd !== null, error: this.error };
  }

  get writable(): boolean {
    return this.fd !== null;
  }

  /** Highest sequence number written so far (including earlier runs). */
  get seq(): number {
    return this.lastSeq;
  }

  nextSeq(): number {
    return ++this.lastSeq;
  }

  /** Appends and flushes to disk; throws when the log is not writable. */
  append(event: DashboardEvent): void {
    if (this.fd === null) throw new Error(`audit log ${this.path} is not writable: ${this.error ?? 'closed'}`);
    try {
      writeSync(this.fd, `${JSON.stringify(event)}\n`);
      fsyncSync(this.fd);
    } catch (error) {
      this.error = (error as Error).message;
      this.close();
      throw error;
    }
  }

  /** Every event on disk, oldest first; a torn last line (crash mid-write) is skipped. */
  readAll(): DashboardEvent[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const events: DashboardEvent[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        events.push(JSON.parse(line) as DashboardEvent);
      } catch {
        // a partial line from an interrupted write: the rest of the log is intact
      }
    }
    return events;
  }

  /** Newest first: events with seq < `before`, at most `limit`. */
  page(before: number | undefined, limit: number): DashboardEvent[] {
    const all = this.readAll();
    const filtered = before === undefined ? all : all.filter((e) => e.seq < before);
    return filtered.slice(-limit).reverse();
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

const HEAD_BYTES = 64 * 1024;

function refusal(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/** True when `line` is one JSON event as EventBus writes them. */
function isOurEvent(line: string): boolean {
  try {
    const value = JSON.parse(line) as Record<string, unknown> | null;
    return (
      typeof value === 'object' && value !== null && !Array.isArray(value) &&
      typeof value.seq === 'number' && typeof value.at === 'number' &&
      typeof value.type === 'string' && (EVENT_TYPES as readonly string[]).includes(value.type) &&
      typeof value.summary === 'string'
    );
  } catch {
    return false;
  }
}

/**
 * Throws (with an errno-like `code`) unless `path` is safe to append to;
 * returns the existing file's identity, or null when it does not exist yet.
 */
function checkAuditPath(path: string): { dev: number; ino: number } | null {
  let stat;
  try {
    stat = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if (stat.isSymbolicLink()) throw refusal('ELOOP', `${path} is a symbolic link: the audit log is never written through one (give the real path)`);
  if (stat.isDirectory()) throw refusal('EISDIR', `${path} is a directory, not an audit log file`);
  if (!stat.isFile()) throw refusal('EINVAL', `${path} is not a regular file (a device, socket or FIFO): refusing to use it as the audit log`);
  if (stat.size === 0) return { dev: stat.dev, ino: stat.ino };
  // Only the head is read: a huge unrelated file is refused without loading it.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  let head: string;
  try {
    const buffer = Buffer.alloc(Math.min(HEAD_BYTES, stat.size));
    head = buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
  const newline = head.indexOf('\n');
  // No complete line: the first write of an earlier run was torn by a crash, if it looks like one of ours.
  const ours = newline >= 0 ? isOurEvent(head.slice(0, newline)) : /^\{"type":"[a-z]+",/.test(head) && head.length < HEAD_BYTES;
  if (!ours) {
    throw refusal('EEXIST', `${path} exists and is not a keepalive-dashboard audit log (its first line is not one of our JSON events): refusing to append to it; give a new path or an existing audit.jsonl`);
  }
  return { dev: stat.dev, ino: stat.ino };
}
