/**
 * The durable audit log: one JSON record per line, appended and fsynced. It
 * survives restarts (sequence numbers continue); if it cannot be written the
 * server refuses changes rather than make them unaudited.
 *
 * The server runs as root, so the file is held to owned-files' policy (our
 * directory, our file, no symlink) and, since that alone would accept any
 * file of ours, also to its content: an existing file must be empty or start
 * with one of our records, so a mistyped `--audit-log /etc/passwd` never grows
 * a system file. One writer per log (WriterLock); that writer knows the file's
 * exact length, so a write cut short (ENOSPC) is cut back off, and a torn last
 * line left by a crash is cut at the next start, never appended onto.
 */
import { closeSync, constants, fstatSync, fsyncSync, ftruncateSync, readSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { EVENT_TYPES, type DashboardEvent } from '@keepalive-dashboard/shared';

import { openPrivateFile, restrictToOwner, syncDirectory } from '../security/owned-files.js';
import { lineFrom, linesBackward, readAt, type ReadCounter } from './reverse-lines.js';
import { WriterLock } from './writer-lock.js';

export interface AuditStatus {
  path: string;
  writable: boolean;
  error: string | null;
  repaired: string | null;
  lastWriteError: string | null;
}

export type AuditRecordInput = Omit<DashboardEvent, 'seq'>;

export interface AuditLogOptions {
  /** Where start-up repairs are reported. */
  log?: (message: string) => void;
}

const HEAD_BYTES = 64 * 1024;
/** What one page may read: ~15k records. A rare filter returns a short page and a cursor to go on from. */
const PAGE_BUDGET_BYTES = 4 * 1024 * 1024;

export interface AuditPageQuery {
  /** Only records with a smaller seq. */
  before?: number;
  /** Only records with a larger seq: the scan stops at the first that is not. */
  after?: number;
  limit: number;
  match: (event: DashboardEvent) => boolean;
  /** Bytes read at most before the page is returned as it stands. */
  budgetBytes?: number;
}

export interface AuditPage {
  /** Newest first. */
  events: DashboardEvent[];
  /** The oldest seq examined when older records in range may remain; null when the range was read to its end. */
  frontier: number | null;
  bytesRead: number;
}

// Node's own messages already begin with the code ("EACCES: permission denied, open …"): say it once.
const describeError = (error: unknown): string => {
  const { code = 'error', message } = error as NodeJS.ErrnoException;
  return message.startsWith(`${code}:`) ? message : `${code}: ${message}`;
};

export class AuditLog {
  /** Open for reading once the file was accepted, even when writing is refused. */
  private fd: number | null = null;
  private lock: WriterLock | null = null;
  private canWrite = false;
  private error: string | null = null;
  private repaired: string | null = null;
  private lastWriteError: string | null = null;
  /** The file's length as we wrote it: the one writer knows where the last complete record ends. */
  private sizeBytes = 0;
  private lastSeq = 0;
  readonly path: string;

  constructor(path: string, options: AuditLogOptions = {}) {
    this.path = resolve(path);
    try {
      const opened = openPrivateFile(this.path, constants.O_RDWR | constants.O_APPEND);
      this.fd = opened.fd;
      // The new file's name must be as durable as the records in it.
      if (opened.created) syncDirectory(dirname(this.path));
      else this.assertOurs();
      if (opened.tooOpen) restrictToOwner(this.fd);
      this.lock = WriterLock.acquire(`${this.path}.lock`, `the audit log ${this.path}`);
      this.repaired = this.cutTornTail();
      if (this.repaired) options.log?.(`audit log ${this.path}: ${this.repaired}`);
      const records = this.readAll();
      this.lastSeq = records.reduce((max, e) => Math.max(max, typeof e.seq === 'number' ? e.seq : 0), 0);
      this.canWrite = true;
      this.closeDanglingIntents(records);
    } catch (error) {
      this.error = describeError(error);
      this.canWrite = false;
      // A file that is not ours is not read either; one merely locked by another instance still is.
      if ((error as { code?: string }).code !== 'EWOULDBLOCK') this.close();
    }
  }

  status(): AuditStatus {
    return { path: this.path, writable: this.canWrite, error: this.error, repaired: this.repaired, lastWriteError: this.lastWriteError };
  }

  get writable(): boolean {
    return this.canWrite;
  }

  /** Highest sequence number written so far (including earlier runs). */
  get seq(): number {
    return this.lastSeq;
  }

  /**
   * Gives the record the next sequence number, appends it and fsyncs; returns
   * it as written. On failure nothing of it stays in the file and the number
   * is not used; the log stays open when the failure was the write's (ENOSPC
   * may pass), and closes when the file could not be put back as it was.
   */
  append(input: AuditRecordInput): DashboardEvent {
    if (!this.canWrite || this.fd === null) {
      throw Object.assign(new Error(`audit log ${this.path} is not writable: ${this.error ?? 'closed'}`), { code: 'EAUDITCLOSED' });
    }
    const record: DashboardEvent = { ...input, seq: this.lastSeq + 1 };
    const bytes = Buffer.from(`${JSON.stringify(record)}\n`);
    try {
      // write(2) may stop short (a filling disk): finish it, or fail and cut it off.
      for (let done = 0; done < bytes.length; ) done += writeSync(this.fd, bytes, done, bytes.length - done);
      fsyncSync(this.fd);
    } catch (error) {
      this.lastWriteError = describeError(error);
      this.rollBack();
      throw error;
    }
    this.sizeBytes += bytes.length;
    this.lastSeq = record.seq;
    this.lastWriteError = null;
    return record;
  }

  /** Every record on disk (intents included), oldest first; a line that does not parse is skipped. */
  readAll(): DashboardEvent[] {
    if (this.fd === null) return [];
    const records: DashboardEvent[] = [];
    for (const line of this.readBytes().toString('utf8').split('\n')) {
      if (!line) continue;
      try {
        records.push(JSON.parse(line) as DashboardEvent);
      } catch {
        // a line torn by a crash in a log written before torn lines were cut at start
      }
    }
    return records;
  }

  /**
   * Newest first: the events (outcomes and observations, never intents) with
   * after < seq < before that `match` accepts, at most `limit`. Reads from the
   * end of the file: `before` is found by a binary search on seq (records are
   * appended in seq order), then chunks are read backwards until the page is
   * full, `after` is reached or `budgetBytes` are read, so a page costs the same
   * in a 200 MB log as in a small one, whatever the filter. A line that does
   * not parse (torn) is skipped.
   */
  page(query: AuditPageQuery): AuditPage {
    const counter: ReadCounter = { bytes: 0 };
    const events: DashboardEvent[] = [];
    if (this.fd === null || query.limit <= 0) return { events, frontier: null, bytesRead: 0 };
    const budgetBytes = query.budgetBytes ?? PAGE_BUDGET_BYTES;
    const size = fstatSync(this.fd).size;
    const end = query.before === undefined ? size : this.offsetOfSeq(query.before, size, counter);
    let frontier: number | null = null;
    for (const line of linesBackward(this.fd, end, counter)) {
      const record = parseRecord(line.text);
      if (!record) continue;
      if (query.after !== undefined && record.seq <= query.after) return { events, frontier: null, bytesRead: counter.bytes };
      frontier = record.seq;
      if (record.phase !== 'intent' && (query.before === undefined || record.seq < query.before) && query.match(record)) {
        events.push(record);
        if (events.length === query.limit) break;
      }
      if (counter.bytes >= budgetBytes) break;
    }
    // Stopped early (a full page or the budget): older records may remain below the frontier.
    const more = frontier !== null && (events.length === query.limit || counter.bytes >= budgetBytes);
    return { events, frontier: more ? frontier : null, bytesRead: counter.bytes };
  }

  close(): void {
    this.canWrite = false;
    this.lock?.release();
    this.lock = null;
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private readBytes(): Buffer {
    const fd = this.fd as number;
    return readAt(fd, 0, fstatSync(fd).size, { bytes: 0 });
  }

  /**
   * Where the first record with seq ≥ `seq` starts (the file's size when none
   * does): a binary search over byte offsets, each probe reading the one line
   * at or after its offset.
   */
  private offsetOfSeq(seq: number, size: number, counter: ReadCounter): number {
    const fd = this.fd as number;
    let low = 0;
    let high = size;
    let found = size;
    // Lines starting before `low` have a smaller seq; none starts in [high, found).
    while (low < high) {
      const middle = low + Math.floor((high - low) / 2);
      const line = lineFrom(fd, middle, high, counter);
      const record = line ? parseRecord(line.text) : null;
      if (!line) high = middle;
      else if (record && record.seq < seq) low = line.end;
      else if (record) high = found = line.start;
      // A torn line inside the file: step over it.
      else low = line.end;
    }
    return found;
  }

  /** Refuses an existing file whose first line is not one of our records (read through our fd: no re-open). */
  private assertOurs(): void {
    const fd = this.fd as number;
    const size = fstatSync(fd).size;
    if (size === 0) return;
    const buffer = Buffer.alloc(Math.min(HEAD_BYTES, size));
    // Only the head: a huge unrelated file is refused without loading it.
    const head = buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8');
    const newline = head.indexOf('\n');
    // No complete line: the first write of an earlier run was torn by a crash, if it looks like one of ours.
    const ours = newline >= 0 ? isOurRecord(head.slice(0, newline)) : /^\{"(type|seq|at)":/.test(head) && head.length < HEAD_BYTES;
    if (!ours) {
      throw Object.assign(
        new Error(`${this.path} exists and is not a keepalive-dashboard audit log (its first line is not one of our JSON events): refusing to append to it; give a new path or an existing audit.jsonl`),
        { code: 'EEXIST' },
      );
    }
  }

  /**
   * A crash mid-append leaves a last line without its newline; appending after
   * it would glue the next record onto it and make that one unreadable too.
   * Cut back to the last complete record; returns what was done, or null.
   */
  private cutTornTail(): string | null {
    const fd = this.fd as number;
    const bytes = this.readBytes();
    this.sizeBytes = bytes.length;
    if (bytes.length === 0 || bytes[bytes.length - 1] === 0x0a) return null;
    const keep = bytes.lastIndexOf(0x0a) + 1;
    ftruncateSync(fd, keep);
    fsyncSync(fd);
    this.sizeBytes = keep;
    return `cut ${bytes.length - keep} bytes of a torn last line`;
  }

  /** An intent with no outcome: the run that wrote it stopped mid-change. Say so, once, in the log itself. */
  private closeDanglingIntents(records: DashboardEvent[]): void {
    const completed = new Set(records.map((e) => e.intentSeq).filter((s) => s !== undefined));
    for (const intent of records) {
      if (intent.phase !== 'intent' || completed.has(intent.seq)) continue;
      this.append({
        at: Date.now(),
        type: intent.type,
        phase: 'interrupted',
        intentSeq: intent.seq,
        connectionId: intent.connectionId,
        summary: `${intent.summary}: outcome unknown (not recorded: the server stopped, or the log could not take it)`,
        actor: intent.actor,
        ...(intent.detail ? { detail: intent.detail } : {}),
      });
    }
  }

  /** Puts the file back to its last complete record after a failed append; closes the log if even that fails. */
  private rollBack(): void {
    try {
      ftruncateSync(this.fd as number, this.sizeBytes);
      fsyncSync(this.fd as number);
    } catch (error) {
      this.canWrite = false;
      this.error = `${describeError(error)} (after a failed append, the log could not be cut back to its last complete record)`;
    }
  }
}

/** One record of the log, or null for a line that is not one (torn, or not JSON with a seq). */
function parseRecord(line: string): DashboardEvent | null {
  try {
    const value = JSON.parse(line) as DashboardEvent | null;
    return typeof value === 'object' && value !== null && typeof value.seq === 'number' ? value : null;
  } catch {
    return null;
  }
}

/** True when `line` is one JSON record as EventBus writes them. */
function isOurRecord(line: string): boolean {
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
