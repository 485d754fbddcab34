/** The lab: connections and listeners the server itself owns, and the black hole that plays a pulled cable. */
import type { ErrorBody } from '@keepalive-dashboard/shared';

import { asErrorBody, type ApiClient, type LabEntry } from '../transport/api.js';
import { StateModel, type AuthPort } from './state-model.js';

export interface LabState {
  entries: LabEntry[];
  labAnyAddress: boolean;
  canBlackhole: boolean;
  pending: boolean;
  error: ErrorBody | null;
  /** The last thing opened, to point at it. */
  lastOpened: LabEntry | null;
}

export interface LabModelOptions {
  api: Pick<ApiClient, 'lab' | 'openLabConnection' | 'openLabListener' | 'closeLab' | 'blackhole'>;
  auth: AuthPort;
}

export class LabModel extends StateModel<{ lab: LabState }> {
  constructor(private readonly options: LabModelOptions) {
    super({ lab: { entries: [], labAnyAddress: false, canBlackhole: false, pending: false, error: null, lastOpened: null } });
  }

  private setLab(patch: Partial<LabState>): void {
    this.set({ lab: { ...this.state.lab, ...patch } });
  }

  async refresh(): Promise<void> {
    try {
      const list = await this.options.api.lab();
      this.setLab({ entries: list.entries, labAnyAddress: list.labAnyAddress, canBlackhole: list.canBlackhole === true });
    } catch (error) {
      this.options.auth.failed(error);
      this.setLab({ error: asErrorBody(error) });
    }
  }

  private async act(action: () => Promise<LabEntry>): Promise<LabEntry | null> {
    this.setLab({ pending: true, error: null });
    try {
      const entry = await action();
      this.setLab({ pending: false, lastOpened: entry });
      await this.refresh();
      return entry;
    } catch (error) {
      this.setLab({ pending: false, error: asErrorBody(error) });
      return null;
    }
  }

  openConnection(host: string, port: number): Promise<LabEntry | null> {
    return this.act(() => this.options.api.openLabConnection(host, port));
  }

  openListener(port: number, host?: string): Promise<LabEntry | null> {
    return this.act(() => this.options.api.openLabListener(port, host));
  }

  close(id: string): Promise<LabEntry | null> {
    return this.act(() => this.options.api.closeLab(id));
  }

  /** Black-holes (or restores) a lab connection's peer: a pulled cable, to watch keepalive declare it dead. */
  async setBlackhole(labId: string, on: boolean): Promise<void> {
    this.setLab({ pending: true, error: null });
    try {
      await this.options.api.blackhole(labId, on);
      this.setLab({ pending: false });
      await this.refresh();
    } catch (error) {
      this.setLab({ pending: false, error: asErrorBody(error) });
    }
  }
}
