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

/** One way of listing every TCP socket on the host, normalized. */
export interface Source {
  readonly name: SourceName;
  /** One full dump of the host's TCP sockets (IPv4 and IPv6, every state). */
  collect(): Promise<Connection[]>;
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
