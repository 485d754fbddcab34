/**
 * The fleet (GET /api/fleet): the hosts the server's Prometheus scrapes,
 * riskiest first, polled while the page is open. A server started without
 * --prometheus says so in its first answer (configured: false): polling stops, the view says how to turn it on.
 */
import type { ErrorBody, Fleet } from '@keepalive-dashboard/shared';

import { asErrorBody, type ApiClient } from '../transport/api.js';
import { StateModel, type AuthPort } from './state-model.js';

export interface FleetState {
  /** As the server last said; null until its first answer. */
  fleet: Fleet | null;
  /** The server runs without --prometheus: there is no fleet to show. */
  unconfigured: boolean;
  /** The last failure (Prometheus down: 502), as sent; the last good list stays shown beside it. */
  error: ErrorBody | null;
}

export interface FleetModelOptions {
  api: Pick<ApiClient, 'fleet'>;
  auth: AuthPort;
  setTimer: (callback: () => void, ms: number) => unknown;
  clearTimer: (handle: unknown) => void;
  /** How often to ask, ms: Prometheus scrapes every 15 s or so, faster shows nothing new. */
  pollMs?: number;
}

export const FLEET_POLL_MS = 15_000;

export class FleetModel extends StateModel<{ fleet: FleetState }> {
  private timer: unknown = null;

  constructor(private readonly options: FleetModelOptions) {
    super({ fleet: { fleet: null, unconfigured: false, error: null } });
  }

  async refresh(): Promise<void> {
    try {
      const fleet = await this.options.api.fleet();
      if (!fleet.configured) this.stop();
      this.set({ fleet: { fleet, unconfigured: !fleet.configured, error: null } });
    } catch (error) {
      this.options.auth.failed(error);
      this.set({ fleet: { ...this.state.fleet, error: asErrorBody(error) } });
    }
  }

  start(): void {
    this.stop();
    void this.refresh();
    const tick = (): void => {
      this.timer = this.options.setTimer(() => {
        void this.refresh();
        tick();
      }, this.options.pollMs ?? FLEET_POLL_MS);
    };
    tick();
  }

  stop(): void {
    if (this.timer !== null) this.options.clearTimer(this.timer);
    this.timer = null;
  }
}
