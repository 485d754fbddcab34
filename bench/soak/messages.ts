/** What the soak and its client hosts (./client-host.ts) say to each other over the IPC channel. */
import type { ModelCounters } from './model.js';

export interface ClientStats extends ModelCounters {
  /** Index of the client across the whole run (0–49 for 50 clients). */
  index: number;
  /** WebSocket payload bytes received (the JSON text of every message). */
  payloadBytes: number;
  /** Bytes read from the TCP socket: payload plus WebSocket framing plus the upgrade response. */
  wireBytes: number;
  /** Messages received and not yet parsed into the model. */
  queuedFrames: number;
  /** Epoch ms when the first snapshot had been applied; null before. */
  firstSnapshotAt: number | null;
  /** Set once the socket closed, with the server's code and reason. */
  closed: { code: number; reason: string } | null;
  errors: string[];
  /** ./digest.ts of the model, when the report asked for it (hashing every view is not free); null otherwise. */
  digest: string | null;
}

export interface HostReport {
  kind: 'report';
  /** The id of the request it answers. */
  id: number;
  pid: number;
  /** process.cpuUsage() of the host since it started, µs. */
  cpu: NodeJS.CpuUsage;
  rssBytes: number;
  heapUsedBytes: number;
  clients: ClientStats[];
}

export type HostMessage = { kind: 'opened' } | HostReport;

export type HostCommand =
  | { kind: 'open'; url: string; token: string; indexes: number[] }
  | { kind: 'report'; id: number; digests?: boolean }
  | { kind: 'close' };
