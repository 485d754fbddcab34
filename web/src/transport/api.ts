/**
 * REST calls. The session travels in the HttpOnly cookie the server set when
 * the login link was opened, so requests carry no credentials of their own.
 * Every failure becomes an ApiError with the server's {code, message} as sent.
 */
import type {
  BlackholeState,
  BulkRetuneRequest,
  BulkRetuneResult,
  CaptureFormat,
  CaptureParseResult,
  ConnectionDetail,
  ConnectionFilter,
  ConnectionsPage,
  ErrorBody,
  EventPage,
  Health,
  HistoryPage,
  KeepalivePatch,
  Killed,
  LabEntry,
  LabList,
  MiddleboxConnectionInfo,
  MiddleboxConnectionRequest,
  MiddleboxLabView,
  MiddleboxMessageResult,
  MiddleboxPut,
  NamespaceList,
  OpenLabConnection,
  OpenLabListener,
  ParseRequest,
  PatchResult,
  ProbeTimeline,
  Settings,
  SettingsPut,
  Fleet,
  SysctlChange,
  SysctlPatch,
  SysctlView,
} from '@keepalive-dashboard/shared';

/** The reply types come from the server's own route schemas (shared/src/api.ts). */
export type { CaptureFormat, CaptureParseResult, ConnectionDetail, EventPage, LabEntry, LabList, NamespaceList, SysctlView };

/** The members of fetch's Response used here. */
export interface ResponseLike {
  readonly ok: boolean;
  readonly status: number;
  text(): Promise<string>;
}

export type FetchLike = (
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string; credentials?: 'same-origin' },
) => Promise<ResponseLike>;

export class ApiError extends Error implements ErrorBody {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message };
  }
}

export function asErrorBody(error: unknown): ErrorBody {
  if (error instanceof ApiError) return error.toBody();
  const code = (error as { code?: unknown } | null)?.code;
  return { code: typeof code === 'string' ? code : 'KA_ERR_CLIENT', message: error instanceof Error ? error.message : String(error) };
}

function netnsQuery(netns: number | undefined): string {
  return netns === undefined ? '' : `?netns=${netns}`;
}

export class ApiClient {
  constructor(
    private readonly fetchFn: FetchLike,
    private readonly base = '',
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: ResponseLike;
    try {
      response = await this.fetchFn(`${this.base}${path}`, {
        method,
        credentials: 'same-origin',
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new ApiError('KA_ERR_NETWORK', `cannot reach the server: ${(error as Error).message}`, 0);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!response.ok) {
      const err = parsed as Partial<ErrorBody> | null;
      if (err && typeof err.code === 'string' && typeof err.message === 'string') throw new ApiError(err.code, err.message, response.status);
      throw new ApiError(`HTTP_${response.status}`, text.slice(0, 200) || `HTTP ${response.status}`, response.status);
    }
    return parsed as T;
  }

  health(): Promise<Health> {
    return this.call('GET', '/api/health');
  }

  connection(id: string): Promise<ConnectionDetail> {
    return this.call('GET', `/api/connections/${encodeURIComponent(id)}`);
  }

  /** A page of the connections matching `filter`, in the server's order (it does not sort). */
  connections(filter: ConnectionFilter, limit: number, offset = 0): Promise<ConnectionsPage> {
    const query = new URLSearchParams(Object.entries({ ...filter, limit, offset }).map(([key, value]): [string, string] => [key, String(value)]));
    return this.call('GET', `/api/connections?${query.toString()}`);
  }

  retune(id: string, patch: KeepalivePatch): Promise<PatchResult> {
    return this.call('PATCH', `/api/connections/${encodeURIComponent(id)}/keepalive`, patch);
  }

  /** One patch for many sockets (POST /api/connections/keepalive): a dry run lists before → after, an apply audits each. */
  bulkRetune(body: BulkRetuneRequest): Promise<BulkRetuneResult> {
    return this.call('POST', '/api/connections/keepalive', body);
  }

  kill(id: string): Promise<Killed> {
    return this.call('DELETE', `/api/connections/${encodeURIComponent(id)}`);
  }

  /** The host's totals the server kept (a point a second, the last hour), oldest first. */
  history(): Promise<HistoryPage> {
    return this.call('GET', '/api/history');
  }

  /** Every network namespace the server sees, with its sockets, reader and keepalive sysctls. */
  namespaces(): Promise<NamespaceList> {
    return this.call('GET', '/api/namespaces');
  }

  /** The keepalive sysctls of namespace `netns` (its nsfs inode); none = the server's own. */
  sysctl(netns?: number): Promise<SysctlView> {
    return this.call('GET', `/api/sysctl${netnsQuery(netns)}`);
  }

  putSysctl(patch: SysctlPatch, netns?: number): Promise<SysctlChange> {
    return this.call('PUT', `/api/sysctl${netnsQuery(netns)}`, patch);
  }

  /** Its keepalive probes seen on the wire (the detail frame carries the same for the selected one). */
  probes(id: string): Promise<ProbeTimeline> {
    return this.call('GET', `/api/connections/${encodeURIComponent(id)}/probes`);
  }

  /** The user's host settings: the middlebox idle timeout the advisories compare with. */
  settings(): Promise<Settings> {
    return this.call('GET', '/api/settings');
  }

  putSettings(body: SettingsPut): Promise<Settings> {
    return this.call('PUT', '/api/settings', body);
  }

  /** The fleet's hosts from the server's Prometheus, riskiest first (503 without --prometheus). */
  fleet(): Promise<Fleet> {
    return this.call('GET', '/api/fleet');
  }

  lab(): Promise<LabList> {
    return this.call('GET', '/api/lab');
  }

  openLabConnection(host: string, port: number): Promise<LabEntry> {
    const body: OpenLabConnection = { host, port };
    return this.call('POST', '/api/lab/connections', body);
  }

  openLabListener(port: number, host?: string): Promise<LabEntry> {
    const body: OpenLabListener = host ? { port, host } : { port };
    return this.call('POST', '/api/lab/listeners', body);
  }

  closeLab(id: string): Promise<LabEntry> {
    return this.call('DELETE', `/api/lab/${encodeURIComponent(id)}`);
  }

  /** Drops (or stops dropping) the peer's replies to a lab connection, so its keepalive probes go unanswered. */
  blackhole(id: string, on: boolean): Promise<BlackholeState> {
    return this.call('POST', `/api/lab/connections/${encodeURIComponent(id)}/blackhole`, { on });
  }

  /** The middlebox lab: settings, topology, and each connection with the router's conntrack entry read now. */
  middlebox(): Promise<MiddleboxLabView> {
    return this.call('GET', '/api/lab/middlebox');
  }

  /** Builds, changes or (enabled: false) removes the middlebox lab. */
  putMiddlebox(body: MiddleboxPut): Promise<MiddleboxLabView> {
    return this.call('PUT', '/api/lab/middlebox', body);
  }

  openMiddleboxConnection(body: MiddleboxConnectionRequest): Promise<MiddleboxConnectionInfo> {
    return this.call('POST', '/api/lab/middlebox/connections', body);
  }

  /** Writes bytes at the lab connection's client and says whether the server end got them. */
  middleboxMessage(id: string): Promise<MiddleboxMessageResult> {
    return this.call('POST', `/api/lab/middlebox/connections/${encodeURIComponent(id)}/message`, {});
  }

  /** A page of events, newest first: GET /api/events's parameters (limit, before, type, connection, pid, include…). */
  events(query: Record<string, string | number | undefined> = {}): Promise<EventPage> {
    const params = new URLSearchParams(Object.entries(query).flatMap(([key, value]): [string, string][] => (value === undefined ? [] : [[key, String(value)]])));
    return this.call('GET', `/api/events?${params.toString()}`);
  }

  /** Runs the server's text parser over a saved capture (POST /api/parse). */
  parseCapture(format: CaptureFormat, text: string, userHz?: number): Promise<CaptureParseResult> {
    const body: ParseRequest = userHz === undefined ? { format, text } : { format, text, userHz };
    return this.call('POST', '/api/parse', body);
  }
}
