/**
 * A capture file (ss / netstat / /proc/net/tcp output) loaded for a
 * post-mortem: its metadata and the load's progress. The rows themselves go
 * to the table model, which sorts and filters them here in the browser.
 */
import type { ErrorBody } from '@keepalive-dashboard/shared';

import { buildCapture, detectCaptureFormat, type Capture } from '../capture/capture.js';
import { ApiError, asErrorBody, type ApiClient, type CaptureFormat } from '../transport/api.js';
import type { ServerClock } from './clock.js';
import { StateModel } from './state-model.js';

export interface CaptureState {
  name: string;
  format: CaptureFormat;
  capturedAt: number;
  count: number;
  issues: Capture['issues'];
  probing: number;
}

export interface CaptureSlices {
  capture: CaptureState | null;
  captureLoad: { pending: boolean; error: ErrorBody | null };
}

export interface CaptureModelOptions {
  api: Pick<ApiClient, 'parseCapture'>;
  clock: ServerClock;
}

export class CaptureModel extends StateModel<CaptureSlices> {
  constructor(private readonly options: CaptureModelOptions) {
    super({ capture: null, captureLoad: { pending: false, error: null } });
  }

  /** Parses a capture on the server; the capture, or null when it failed (the error is in `captureLoad`). */
  async load(name: string, text: string, format: CaptureFormat | 'auto' = 'auto', userHz?: number): Promise<Capture | null> {
    const chosen = format === 'auto' ? detectCaptureFormat(text) : format;
    this.set({ captureLoad: { pending: true, error: null } });
    try {
      const parsed = await this.options.api.parseCapture(chosen, text, userHz);
      const capture = buildCapture(name, chosen, parsed.connections, parsed.issues.map(({ line, message }) => ({ line, message })), this.options.clock.now());
      this.set({ captureLoad: { pending: false, error: null } });
      return capture;
    } catch (error) {
      let body = asErrorBody(error);
      if (error instanceof ApiError && error.status === 404 && error.code === 'KA_ERR_NOT_FOUND') {
        body = { code: error.code, message: `this server cannot parse captures (POST /api/parse is missing): ${error.message}` };
      }
      this.set({ captureLoad: { pending: false, error: body } });
      return null;
    }
  }

  show(capture: Capture): void {
    this.set({ capture: { name: capture.name, format: capture.format, capturedAt: capture.capturedAt, count: capture.views.length, issues: capture.issues, probing: capture.probing } });
  }

  leave(): void {
    this.set({ capture: null, captureLoad: { pending: false, error: null } });
  }
}
