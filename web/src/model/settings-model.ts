/**
 * The user's host settings (GET/PUT /api/settings): the middlebox idle
 * timeout the idle-exceeds-middlebox advisory compares each connection's
 * keepalive idle with. After a change the value shown is the one read back,
 * not the one typed: the server may refuse it (403 read-only, 400 out of range).
 */
import type { ErrorBody, Settings } from '@keepalive-dashboard/shared';

import { asErrorBody, type ApiClient } from '../transport/api.js';
import { StateModel, type AuthPort } from './state-model.js';

/** The cloud middleboxes people meet most, as quick picks (seconds of idle before a flow is forgotten). */
export const MIDDLEBOX_TIMEOUT_PRESETS: readonly { name: string; timeoutSec: number }[] = [
  { name: 'AWS', timeoutSec: 350 },
  { name: 'GCP', timeoutSec: 600 },
  { name: 'Azure', timeoutSec: 240 },
];

export interface SettingsState {
  /** As the server last said; null until its first answer. */
  value: Settings | null;
  pending: boolean;
  /** The server's refusal or failure, as sent. */
  error: ErrorBody | null;
}

export interface SettingsModelOptions {
  api: Pick<ApiClient, 'settings' | 'putSettings'>;
  auth: AuthPort;
}

export class SettingsModel extends StateModel<{ settings: SettingsState }> {
  constructor(private readonly options: SettingsModelOptions) {
    super({ settings: { value: null, pending: false, error: null } });
  }

  private setSettings(patch: Partial<SettingsState>): void {
    this.set({ settings: { ...this.state.settings, ...patch } });
  }

  async refresh(): Promise<void> {
    try {
      this.setSettings({ value: await this.options.api.settings() });
    } catch (error) {
      this.options.auth.failed(error);
      this.setSettings({ error: asErrorBody(error) });
    }
  }

  /** Changes the middlebox timeout, then reads it back (another tab may have changed it meanwhile). */
  async setMiddleboxTimeout(middleboxTimeoutSec: number): Promise<boolean> {
    this.setSettings({ pending: true, error: null });
    try {
      await this.options.api.putSettings({ middleboxTimeoutSec });
    } catch (error) {
      this.setSettings({ pending: false, error: asErrorBody(error) });
      return false;
    }
    this.setSettings({ pending: false });
    await this.refresh();
    return true;
  }
}
