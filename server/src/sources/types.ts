import type { Connection, SourceName } from '@keepalive-dashboard/shared';

/** A malformed line in a text source: reported with its line number and skipped, never fatal. */
export interface ParseIssue {
  line: number;
  message: string;
  text: string;
}

export interface ParseResult {
  connections: Connection[];
  issues: ParseIssue[];
}

/** What one sweep of the host found, relative to the sweep before it. */
export interface SweepResult {
  /** Sockets new since the last sweep, or changed in what the kernel reports (absolute moments within the tolerance count as unchanged). */
  changed: Connection[];
  /** Ids of sockets the last sweep had and this one does not. */
  removed: string[];
  /**
   * Network namespaces this sweep lists in full (a new reader's first sweep)
   * or that have gone (listed with no rows): any row of theirs not in
   * `changed` is gone. The store knows which rows those are; a source need not.
   */
  relisted?: number[];
  /** Sockets in this sweep. */
  total: number;
  /** ms the dump itself took: every value in it was read at some moment within it. */
  dumpMs: number;
}

export interface LookupResult {
  /** Fresh rows of the sockets that answered. */
  found: Connection[];
  /** Ids of the sockets asked for that the kernel no longer has (closed, or the 4-tuple reused). */
  missing: string[];
}

/** One way of listing every TCP socket on the host, normalized. */
export interface Source {
  readonly name: SourceName;
  /** One full dump of the host's TCP sockets (IPv4 and IPv6, every state). */
  collect(): Promise<Connection[]>;
  /**
   * Only what changed since the last sweep, diffed where the rows are (the
   * addon keeps the last table). Sources that cannot diff leave it out and the
   * store diffs their full dumps (collector/sweep.ts).
   */
  sweep?(toleranceMs: number): Promise<SweepResult>;
  /** Exactly these sockets, read now, without a dump (inet_diag answers a single socket by 4-tuple and cookie). */
  lookup?(connections: readonly Connection[]): Promise<LookupResult>;
  /** The next sweep reports every socket, as a first one does. */
  resetSweep?(): void;
}

/** Thrown when a source cannot run here; `hint` says how to fix it (e.g. the Debian package). */
export class SourceUnavailableError extends Error {
  constructor(
    readonly source: SourceName,
    message: string,
    readonly hint?: string,
  ) {
    super(hint ? `${message} (${hint})` : message);
    this.name = 'SourceUnavailableError';
  }
}
