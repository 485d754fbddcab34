/**
 * The durable audit log: one JSON object per line, appended and fsynced
 * before the API answers. It survives restarts (sequence numbers continue);
 * if it cannot be written the server refuses changes rather than make them unaudited.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import type { DashboardEvent } from '@keepalive-dashboard/shared';

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
      this.lastSeq = this.readAll().reduce((max, e) => Math.max(max, e.seq), 0);
      this.fd = openSync(this.path, 'a', 0o600);
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
