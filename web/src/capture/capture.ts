/**
 * A saved ss / netstat / /proc/net/tcp capture, browsed read-only in the same
 * table. The text is parsed by the server's parsers (POST /api/parse) into
 * shared/ Connection objects; here they become ConnectionViews frozen at the
 * moment of loading: no process map, no settings (none can be read from
 * text), the kernel's timer made absolute so the same countdown cells show it.
 */
import { eachLine, inProbePhase, type Connection, type ConnectionView } from '@keepalive-dashboard/shared';

import type { CaptureFormat } from '../transport/api.js';

/** How many non-blank lines the format is guessed from. */
const SNIFFED_LINES = 20;

/** The first SNIFFED_LINES non-blank lines, trimmed, read without splitting (or trimming) the whole capture. */
function firstLines(text: string): string[] {
  const lines: string[] = [];
  eachLine(text, (line) => {
    const trimmed = line.trim();
    if (trimmed !== '') lines.push(trimmed);
    return lines.length >= SNIFFED_LINES;
  });
  return lines;
}

/** Guesses the tool that wrote `text` from its header or first lines. */
export function detectCaptureFormat(text: string): CaptureFormat {
  const lines = firstLines(text);
  const first = lines[0] ?? '';
  if (/^sl\s+local_address/.test(first) || lines.some((l) => /^\d+:\s+[0-9A-F]{8,32}:[0-9A-F]{4}\s/i.test(l))) return 'proc';
  if (/^Proto\s+Recv-Q/i.test(first) || /^Active Internet connections/i.test(first) || lines.some((l) => /^tcp6?\s+\d+\s+\d+\s/.test(l))) return 'netstat';
  return 'ss';
}

export function captureToView(connection: Connection, capturedAt: number): ConnectionView {
  const view: ConnectionView = {
    id: connection.id,
    family: connection.family,
    state: connection.state,
    local: connection.local,
    peer: connection.peer,
    inode: connection.inode,
    cookie: connection.cookie,
    uid: connection.uid,
    recvQ: connection.recvQ,
    sendQ: connection.sendQ,
    timer: {
      kind: connection.timer.kind,
      expiresAt: connection.timer.kind === 'none' ? null : capturedAt + connection.timer.remainingMs,
      count: connection.timer.count,
    },
    sampledAt: capturedAt,
    holders: [],
    ownership: 'foreign',
    labId: null,
    keepalive: null,
    keepaliveOrigin: connection.timer.kind === 'keepalive' ? 'inferred' : 'unknown',
    keepaliveError: null,
    derived: null,
    advisories: [],
    // A capture does not say which namespace it was taken in.
    netns: null,
  };
  if (connection.tcpInfo) view.tcpInfo = connection.tcpInfo;
  return view;
}

export interface Capture {
  name: string;
  format: CaptureFormat;
  /** Local time it was loaded: the frozen "now" of its countdowns. */
  capturedAt: number;
  views: ConnectionView[];
  issues: { line: number; message: string }[];
  probing: number;
}

export function buildCapture(name: string, format: CaptureFormat, connections: readonly Connection[], issues: Capture['issues'], capturedAt: number): Capture {
  // Same socket seen twice (e.g. a file with tcp and tcp6 concatenated): keep the first.
  const byId = new Map<string, ConnectionView>();
  for (const c of connections) if (!byId.has(c.id)) byId.set(c.id, captureToView(c, capturedAt));
  const views = [...byId.values()];
  return { name, format, capturedAt, views, issues, probing: views.filter(inProbePhase).length };
}
