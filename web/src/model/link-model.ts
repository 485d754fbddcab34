/**
 * The link to the server: the stream's status (open, reconnecting, since
 * when it was lost), whether the server still takes our credentials, and
 * what the last frame said of the server (read-only, cadence, clock offset).
 */
import type { ErrorBody, ServerFrame } from '@keepalive-dashboard/shared';

import { ApiError } from '../transport/api.js';
import type { LinkStatus } from '../transport/stream-transport.js';
import { StateModel, type AuthPort } from './state-model.js';

export interface LinkState extends LinkStatus {
  /** The server refused our credentials: the page was opened without logging in, or the session ended. */
  unauthorized: boolean;
  /** Local time the live link was lost (it had been open); null while it is open or before it ever was. The table then shows old state. */
  lostAt: number | null;
}

export interface ServerState {
  readOnly: boolean;
  intervalMs: number;
  seq: number;
  /** Local time of the last snapshot or delta. */
  lastFrameAt: number | null;
  /** Server ms minus local ms. */
  clockOffsetMs: number;
  /** The last error frame the stream sent. */
  lastError: ErrorBody | null;
}

export interface LinkSlices {
  link: LinkState;
  server: ServerState;
}

const INITIAL_LINK: LinkState = { state: 'stopped', attempt: 0, retryAt: null, lastClose: null, openedAt: null, unauthorized: false, lostAt: null };

export class LinkModel extends StateModel<LinkSlices> implements AuthPort {
  /**
   * `checkSession` asks the server over HTTP whether it still takes our
   * credentials (its answer comes back through failed() / ok()).
   */
  constructor(
    private readonly localNow: () => number,
    private readonly checkSession: () => void = () => {},
  ) {
    super({ link: INITIAL_LINK, server: { readOnly: false, intervalMs: 1000, seq: -1, lastFrameAt: null, clockOffsetMs: 0, lastError: null } });
  }

  private setUnauthorized(unauthorized: boolean): void {
    if (this.state.link.unauthorized !== unauthorized) this.set({ link: { ...this.state.link, unauthorized } });
  }

  /** An HTTP call failed: a 401 means the credentials are gone. */
  failed(error: unknown): void {
    if (error instanceof ApiError && error.status === 401) this.setUnauthorized(true);
  }

  /** The server took our credentials (an HTTP answer, or the stream opened). */
  ok(): void {
    this.setUnauthorized(false);
  }

  onStatus(status: LinkStatus): void {
    const before = this.state.link;
    // The first moment of a loss counts, not each failed retry after it.
    const lostAt = status.state === 'open' ? null : (before.lostAt ?? (before.state === 'open' ? this.localNow() : null));
    this.set({ link: { ...status, unauthorized: before.unauthorized, lostAt } });
    // A WebSocket upgrade refused with 401 (a restart with a new token) reaches the browser only as
    // close code 1006, so each failed attempt asks over HTTP at once instead of waiting for the health
    // poll. The transport passes through "reconnecting" once per attempt, so this asks once per attempt.
    if (status.state === 'reconnecting' && before.state !== 'reconnecting') this.checkSession();
  }

  /** What a table frame says of the server. */
  onTableFrame(frame: Extract<ServerFrame, { type: 'snapshot' | 'delta' | 'window' }>, clockOffsetMs: number): void {
    const announced = frame.type === 'delta' ? {} : { readOnly: frame.readOnly, intervalMs: frame.intervalMs };
    this.set({ server: { ...this.state.server, ...announced, seq: frame.seq, lastFrameAt: this.localNow(), clockOffsetMs } });
  }

  onError(error: ErrorBody): void {
    this.set({ server: { ...this.state.server, lastError: error } });
  }
}
