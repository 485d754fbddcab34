/**
 * The selected connection and what acts on it: its detail frames and
 * timeline ring, the retune form (draft, apply, undo) and kill.
 */
import type { ClientFrame, ConnectionView, DetailFrame, ErrorBody, KeepaliveSettings, PatchResult, PostMortem, ProbeTimeline } from '@keepalive-dashboard/shared';
import { KEEPALIVE_PRESETS, nextProbeAt, probesOut, remainingMs } from '@keepalive-dashboard/shared';

import { asErrorBody, type ApiClient } from '../transport/api.js';
import { DETAIL_HISTORY, DETAIL_INTERVAL_MS, type DetailSample } from './history.js';
import { checkDraft, draftFrom, LINUX_DEFAULTS, patchFor, undoPatch, withPreset, type DraftCheck, type RetuneDraft } from './retune-form.js';
import { RingBuffer } from './ring.js';
import { StateModel } from './state-model.js';

export interface SelectionState {
  id: string;
  view: ConnectionView | null;
  /** The connection closed while selected (or was already gone when picked, from an event). */
  gone: boolean;
  /**
   * Why and when it ended, as the server saw it; `view` is then its last view. Kept until
   * another connection is selected: its table row is gone, this is where the cause stays.
   */
  postMortem: PostMortem | null;
  /** Full tcp_info from the last detail frame. */
  tcpInfo: Record<string, number | boolean | string> | null;
  detailError: ErrorBody | null;
  history: DetailSample[];
  /** Times the kernel re-armed the keepalive timer while selected (the countdown jumped). */
  rearms: number;
  /** Its keepalive probes seen on the wire, from the last detail frame that carried them; null until one does. */
  probes: ProbeTimeline | null;
}

export interface RetuneState {
  connectionId: string | null;
  draft: RetuneDraft;
  check: DraftCheck;
  /** The settings the draft started from (the socket's, or defaults when unknown). */
  base: KeepaliveSettings;
  baseKnown: boolean;
  dirty: boolean;
  pending: boolean;
  result: PatchResult | null;
  error: ErrorBody | null;
  /** The last applied change, for Undo. */
  lastChange: { connectionId: string; result: PatchResult } | null;
}

export interface KillState {
  pendingId: string | null;
  error: ErrorBody | null;
  killed: string | null;
}

export interface SelectionSlices {
  selection: SelectionState | null;
  retune: RetuneState;
  kill: KillState;
}

export interface SelectionModelOptions {
  api: Pick<ApiClient, 'retune' | 'kill'>;
  send(frame: ClientFrame): void;
  /** A row by id, wherever the page holds it now. */
  viewById(id: string): ConnectionView | undefined;
  /** A capture is shown: nothing to ask the server, nothing to change. */
  inCapture(): boolean;
  /** What a socket that sets nothing gets (its namespace's sysctls where known). */
  defaultsFor(view: ConnectionView | null): KeepaliveSettings;
}

function emptyRetune(base: KeepaliveSettings = LINUX_DEFAULTS): RetuneState {
  const draft = draftFrom(base);
  return { connectionId: null, draft, check: checkDraft(draft), base, baseKnown: false, dirty: false, pending: false, result: null, error: null, lastChange: null };
}

export class SelectionModel extends StateModel<SelectionSlices> {
  private detailRing = new RingBuffer<DetailSample>(DETAIL_HISTORY);
  private lastNextProbeAt: number | null = null;
  private lastProbesOut = 0;

  constructor(private readonly options: SelectionModelOptions) {
    super({ selection: null, retune: emptyRetune(), kill: { pendingId: null, error: null, killed: null } });
  }

  select(id: string | null): void {
    if (id === null) {
      if (!this.options.inCapture()) this.options.send({ type: 'select', id: null });
      this.set({ selection: null });
      return;
    }
    const view = this.options.viewById(id) ?? null;
    this.detailRing = new RingBuffer<DetailSample>(DETAIL_HISTORY);
    this.lastNextProbeAt = view ? nextProbeAt(view) : null;
    this.lastProbesOut = view ? (probesOut(view) ?? 0) : 0;
    this.set({
      selection: { id, view, gone: false, postMortem: null, tcpInfo: null, detailError: null, history: [], rearms: 0, probes: null },
      kill: { pendingId: null, error: null, killed: null },
    });
    this.resetRetune(view, id);
    if (!this.options.inCapture()) this.options.send({ type: 'select', id, intervalMs: DETAIL_INTERVAL_MS });
  }

  /** Drops the selection without telling the server (a capture came or went: the server's selection was already dropped). */
  clear(): void {
    this.set({ selection: null });
  }

  /** The transport reopened: the server forgot what this client had selected. */
  onStreamOpen(): void {
    const selected = this.state.selection;
    if (selected && !this.options.inCapture()) this.options.send({ type: 'select', id: selected.id, intervalMs: DETAIL_INTERVAL_MS });
  }

  onDetail(frame: DetailFrame): void {
    const selected = this.state.selection;
    if (!selected || selected.id !== frame.id || this.options.inCapture()) return;
    if (frame.gone || !frame.connection) {
      // Gone: the last view (the frame's, else the one held) stays, with the cause beside it.
      const gone = frame.gone !== undefined || frame.error?.code === 'KA_ERR_SOCKET_GONE';
      const view = frame.connection ?? selected.view;
      this.set({ selection: { ...selected, view, gone, postMortem: frame.gone ?? selected.postMortem, tcpInfo: frame.tcpInfo ?? selected.tcpInfo, detailError: frame.error, probes: frame.probes ?? selected.probes } });
      return;
    }
    const view = frame.connection;
    const info = frame.tcpInfo;
    const rtt = typeof info?.rtt === 'number' ? info.rtt : view.tcpInfo?.rtt;
    const probes = typeof info?.probes === 'number' ? info.probes : (view.derived?.probesOut ?? null);
    const next = remainingMs(nextProbeAt(view), frame.serverTime);
    this.detailRing.push({
      t: frame.serverTime,
      probesOut: probes,
      rttMs: rtt === undefined ? null : rtt / 1000,
      nextProbeS: next === null ? null : next / 1000,
    });
    this.set({ selection: { ...selected, tcpInfo: info, detailError: frame.error, gone: false, history: this.detailRing.toArray(), probes: frame.probes ?? selected.probes } });
    this.viewChanged(view);
  }

  /** A fresher view of some connection (a delta or window row): news only when it is the selected one. */
  viewChanged(view: ConnectionView): void {
    const selected = this.state.selection;
    // A post-mortem is final: a late row of the living connection does not revive it.
    if (!selected || selected.id !== view.id || selected.postMortem) return;
    const next = nextProbeAt(view);
    const probes = probesOut(view) ?? 0;
    let rearms = selected.rearms;
    // A jump of more than a second either way is the timer being re-armed (an
    // ACK, a retune, keepalive switched on) — not the jitter of ms-resolution
    // sampling, and not a probe going out (that moves it by one interval).
    const probeSent = probes > this.lastProbesOut;
    if (this.lastNextProbeAt !== null && next !== null && Math.abs(next - this.lastNextProbeAt) > 1000 && !probeSent) rearms++;
    this.lastNextProbeAt = next;
    this.lastProbesOut = probes;
    this.set({ selection: { ...selected, view, rearms, gone: false } });
    const retune = this.state.retune;
    if (retune.connectionId === view.id && !retune.dirty && !retune.pending && view.keepalive) {
      const same = retune.baseKnown && patchFor(retune.base, view.keepalive) === null;
      if (!same) this.resetRetune(view);
    }
  }

  // ---- retune ----

  /** The defaults became known: a form that started from Linux defaults now starts from this host's. */
  defaultsChanged(): void {
    const retune = this.state.retune;
    if (!retune.baseKnown && !retune.dirty && retune.connectionId) this.resetRetune(this.state.selection?.view ?? null, retune.connectionId);
  }

  private resetRetune(view: ConnectionView | null, id = view?.id ?? null): void {
    const base = view?.keepalive ?? this.options.defaultsFor(view);
    const draft = draftFrom(base);
    const prev = this.state.retune;
    const sameConnection = prev.connectionId === id;
    this.set({
      retune: {
        connectionId: id,
        draft,
        check: checkDraft(draft),
        base,
        baseKnown: view?.keepalive !== null && view?.keepalive !== undefined,
        dirty: false,
        pending: false,
        result: sameConnection ? prev.result : null,
        error: sameConnection ? prev.error : null,
        lastChange: prev.lastChange,
      },
    });
  }

  private setDraft(draft: RetuneDraft): void {
    this.set({ retune: { ...this.state.retune, draft, check: checkDraft(draft), dirty: true, error: null } });
  }

  setRetuneField(field: keyof RetuneDraft, value: string | boolean): void {
    this.setDraft({ ...this.state.retune.draft, [field]: value } as RetuneDraft);
  }

  applyPreset(name: string): void {
    const preset = KEEPALIVE_PRESETS.find((p) => p.name === name);
    if (preset) this.setDraft(withPreset(this.state.retune.draft, preset));
  }

  /** Back to the socket's current settings. */
  revertDraft(): void {
    const id = this.state.retune.connectionId;
    this.resetRetune(id ? (this.options.viewById(id) ?? this.state.selection?.view ?? null) : null, id);
  }

  async applyRetune(): Promise<void> {
    const retune = this.state.retune;
    const id = retune.connectionId;
    if (!id || !retune.check.values || retune.pending || this.options.inCapture()) return;
    const patch = patchFor(retune.baseKnown ? retune.base : null, retune.check.values);
    if (!patch) return;
    await this.sendRetune(id, patch, false);
  }

  async undo(): Promise<void> {
    const last = this.state.retune.lastChange;
    if (!last || this.state.retune.pending) return;
    const patch = undoPatch(last.result);
    if (!patch) return;
    await this.sendRetune(last.connectionId, patch, true);
  }

  private async sendRetune(id: string, patch: Parameters<ApiClient['retune']>[1], isUndo: boolean): Promise<void> {
    this.set({ retune: { ...this.state.retune, pending: true, error: null } });
    try {
      const result = await this.options.api.retune(id, patch);
      const retune = this.state.retune;
      const draft = draftFrom(result.after);
      this.set({
        retune: {
          ...retune,
          ...(retune.connectionId === id ? { draft, check: checkDraft(draft), base: result.after, baseKnown: true, dirty: false } : {}),
          pending: false,
          result,
          error: null,
          lastChange: isUndo ? null : { connectionId: id, result },
        },
      });
    } catch (error) {
      this.set({ retune: { ...this.state.retune, pending: false, error: asErrorBody(error) } });
    }
  }

  // ---- kill ----

  async kill(id: string): Promise<void> {
    this.set({ kill: { pendingId: id, error: null, killed: null } });
    try {
      await this.options.api.kill(id);
      this.set({ kill: { pendingId: null, error: null, killed: id } });
    } catch (error) {
      this.set({ kill: { pendingId: null, error: asErrorBody(error), killed: null } });
    }
  }
}
