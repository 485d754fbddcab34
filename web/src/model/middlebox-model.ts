/**
 * The middlebox lab as the page sees it: the server's lab (settings and each
 * connection with the router's conntrack entry), read again every second
 * while a connection is open so the router's countdown is re-anchored after
 * each keepalive probe; what is being built; each "send a message" verdict;
 * and the `died` events that say which layer timed out.
 */
import type { ConnectionView, DashboardEvent, ErrorBody, MiddleboxConnectionInfo, MiddleboxKeepalive, MiddleboxLabView, MiddleboxMessageResult, MiddleboxPut } from '@keepalive-dashboard/shared';

import { asErrorBody, type ApiClient } from '../transport/api.js';
import { StateModel, type AuthPort } from './state-model.js';

export interface MessageVerdict {
  pending: boolean;
  /** Server epoch ms the message was sent at (the verdict's silence ends there). */
  sentAt: number;
  result: MiddleboxMessageResult | null;
  error: ErrorBody | null;
  /** How long the flow had been silent when the message went: since the last message, or since it opened. */
  silenceMs: number;
}

export interface MiddleboxState {
  view: MiddleboxLabView | null;
  /** What the server is doing for us now ("creating namespaces…"), or null. */
  progress: string | null;
  error: ErrorBody | null;
  messages: Readonly<Record<string, MessageVerdict>>;
  /** The `died` event's summary per lab connection: the server's word on which layer timed out. */
  deaths: Readonly<Record<string, string>>;
}

export interface MiddleboxModelOptions {
  api: Pick<ApiClient, 'middlebox' | 'putMiddlebox' | 'openMiddleboxConnection' | 'middleboxMessage' | 'connections'>;
  auth: AuthPort;
  now: () => number;
  setTimer: (callback: () => void, ms: number) => unknown;
  clearTimer: (handle: unknown) => void;
  /** How often the lab is read while one of its connections is open, ms. */
  pollMs?: number;
}

const POLL_MS = 1000;

export class MiddleboxModel extends StateModel<{ middlebox: MiddleboxState }> {
  private timer: unknown = null;
  private stopped = false;

  constructor(private readonly options: MiddleboxModelOptions) {
    super({ middlebox: { view: null, progress: null, error: null, messages: {}, deaths: {} } });
  }

  private patch(patch: Partial<MiddleboxState>): void {
    this.set({ middlebox: { ...this.state.middlebox, ...patch } });
  }

  async refresh(): Promise<void> {
    try {
      this.show(await this.options.api.middlebox());
    } catch (error) {
      this.options.auth.failed(error);
      this.patch({ error: asErrorBody(error) });
    }
  }

  /** Keeps the presets of the last GET (PUT replies lack them) and polls while a connection is open. */
  private show(view: MiddleboxLabView): void {
    this.patch({ view: { ...view, presets: view.presets ?? this.state.middlebox.view?.presets } });
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== null) this.options.clearTimer(this.timer);
    this.timer = null;
    const open = this.state.middlebox.view?.connections.some((c) => c.status === 'open') ?? false;
    if (!open || this.stopped) return;
    this.timer = this.options.setTimer(() => {
      this.timer = null;
      void this.refresh();
    }, this.options.pollMs ?? POLL_MS);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.options.clearTimer(this.timer);
    this.timer = null;
  }

  private async act(progress: string, action: () => Promise<MiddleboxLabView | null>): Promise<boolean> {
    this.patch({ progress, error: null });
    try {
      const view = await action();
      this.patch({ progress: null });
      if (view) this.show(view);
      else await this.refresh();
      return true;
    } catch (error) {
      this.patch({ progress: null, error: asErrorBody(error) });
      return false;
    }
  }

  /** Builds the lab (or changes it in place), or removes it with `enabled: false`. */
  setLab(body: MiddleboxPut): Promise<boolean> {
    const progress = !body.enabled ? 'removing the lab…' : this.state.middlebox.view?.enabled ? 'changing the middlebox…' : 'creating namespaces…';
    return this.act(progress, () => this.options.api.putMiddlebox(body));
  }

  openConnection(keepalive: MiddleboxKeepalive | null, userTimeoutMs: number): Promise<boolean> {
    return this.act('opening a connection through the middlebox…', async () => {
      await this.options.api.openMiddleboxConnection(keepalive ? { keepalive, userTimeoutMs } : { userTimeoutMs });
      return null;
    });
  }

  async sendMessage(id: string): Promise<void> {
    const c = this.connection(id);
    const previous = this.state.middlebox.messages[id];
    const sentAt = this.options.now();
    const silenceMs = Math.max(0, sentAt - (previous?.sentAt ?? c?.createdAt ?? sentAt));
    const verdict = (v: Partial<MessageVerdict>): void => {
      this.patch({ messages: { ...this.state.middlebox.messages, [id]: { pending: false, sentAt, result: null, error: null, silenceMs, ...v } } });
    };
    verdict({ pending: true });
    try {
      const result = await this.options.api.middleboxMessage(id);
      verdict({ result });
      if (result.connection) this.replaceConnection(result.connection);
    } catch (error) {
      verdict({ error: asErrorBody(error) });
    }
  }

  private replaceConnection(c: MiddleboxConnectionInfo): void {
    const view = this.state.middlebox.view;
    if (!view) return;
    this.patch({ view: { ...view, connections: view.connections.map((o) => (o.id === c.id ? c : o)) } });
  }

  onEvent(event: DashboardEvent): void {
    const id = event.detail?.middleboxConnection;
    if (typeof id !== 'string') return;
    if (event.type === 'died') this.patch({ deaths: { ...this.state.middlebox.deaths, [id]: event.summary } });
    void this.refresh();
  }

  /** The table's id of a lab connection's client end (listed once the server has read its namespace), or null. */
  async clientRowId(id: string): Promise<string | null> {
    const c = this.connection(id);
    if (!c) return null;
    try {
      const page = await this.options.api.connections({ address: c.client.address, port: c.client.port }, 20);
      return page.connections.find((v) => labConnectionOf(v, this.state.middlebox.view)?.end === 'client')?.id ?? null;
    } catch (error) {
      this.patch({ error: asErrorBody(error) });
      return null;
    }
  }

  connection(id: string): MiddleboxConnectionInfo | undefined {
    return this.state.middlebox.view?.connections.find((c) => c.id === id);
  }
}

/** Which end of which lab connection a table row is: matched by its namespace's name and its ports. */
export function labConnectionOf(view: ConnectionView, lab: MiddleboxLabView | null): { connection: MiddleboxConnectionInfo; end: 'client' | 'server' } | null {
  const netns = view.netns?.label;
  if (!lab || !netns) return null;
  for (const c of lab.connections) {
    if (netns === c.client.netns && view.local.port === c.client.port && view.peer.port === c.server.port) return { connection: c, end: 'client' };
    if (netns === c.server.netns && view.local.port === c.server.port && view.peer.port === c.client.port) return { connection: c, end: 'server' };
  }
  return null;
}

/** When the router forgets the flow if nothing crosses it: its entry's seconds left, counted from the read. */
export function conntrackExpiresAt(c: MiddleboxConnectionInfo): number | null {
  return c.conntrack && c.conntrackSeenAt !== null ? c.conntrackSeenAt + c.conntrack.remainingSec * 1000 : null;
}

const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;

/** What became of a message sent through the middlebox, in the user's words. */
export function messageVerdictText(v: MessageVerdict, c: MiddleboxConnectionInfo | undefined, clock: (epochMs: number) => string): string {
  if (v.pending) return 'sending…';
  if (v.error) return `not sent: ${v.error.code}: ${v.error.message}`;
  const r = v.result;
  if (!r) return '';
  if (r.delivered) return `arrived after ${seconds(v.silenceMs)} of silence`;
  if (r.clientError === 'ECONNRESET') return 'reset by the middlebox (ECONNRESET)';
  const forgottenAt = r.connection?.forgottenAt ?? c?.forgottenAt ?? null;
  if (forgottenAt !== null) return `lost: the middlebox forgot this flow at ${clock(forgottenAt)}${r.clientError ? ` (the client then got ${r.clientError})` : ''}`;
  if (r.clientError) return `the client's error: ${r.clientError}`;
  return `not arrived within ${seconds(r.waitedMs)}`;
}

/** Which layer timed out, once the lab connection ended: the `died` event's words when we have them. */
export function layerVerdictText(c: MiddleboxConnectionInfo, death: string | undefined, clock: (epochMs: number) => string): string | null {
  if (c.status === 'open') return null;
  if (death) return death;
  const how = c.closeCode ? `died by ${c.closeCode}` : 'closed';
  return c.forgottenAt !== null ? `${how}: forgotten by the middlebox at ${clock(c.forgottenAt)}` : `${how}; the middlebox still tracked its flow`;
}
