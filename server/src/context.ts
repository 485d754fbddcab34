/** Everything the routes and the stream share, built once per app. */
import type { SelectedSource } from './sources/select.js';
import type { AuditLog } from './audit/audit-log.js';
import type { ConnectionStore } from './collector/store.js';
import type { ForeignSettings } from './collector/foreign-settings.js';
import type { TotalsHistory } from './collector/history.js';
import type { PostMortems } from './collector/post-mortems.js';
import type { Blackholes } from './control/blackhole.js';
import type { Lab } from './control/lab.js';
import type { Middlebox } from './control/middlebox/middlebox.js';
import type { ForeignAccess, SocketControl } from './control/socket-control.js';
import type { EventBus } from './events.js';
import type { Metrics } from './metrics.js';
import type { ProcessMap } from './processes/process-map.js';
import type { KernelCounters } from './probes/watch-counters.js';
import type { ProbeWatch } from './probes/watch.js';
import type { SysctlStore } from './sysctl.js';
import type { NamespaceRegistry } from './namespaces/registry.js';
import type { NamespaceSysctls } from './namespaces/sysctls.js';
import type { FailedAuthLimiter } from './security/auth.js';
import type { Sessions } from './security/sessions.js';
import type { Capabilities } from '@keepalive-dashboard/shared';

/** Who may in: the API token, browser sessions, and the login codes that open them. */
export interface AuthState {
  sessions: Sessions;
  /** Wrong tokens, session ids and login codes, per address. */
  failures: FailedAuthLimiter;
  /** The session cookie's name: it carries the listening port (cookies ignore ports). */
  cookieName: () => string;
  /** Called when a login code was spent (main.ts prints a fresh one). */
  onCodeSpent: () => void;
}

export interface AppContext {
  token: string;
  auth: AuthState;
  readOnly: boolean;
  intervalMs: number;
  /** Unsent bytes above which a stream client counts as behind (it then gets a fresh snapshot once drained). */
  streamHighWaterBytes: number;
  /** A stream client with bytes unsent that takes none of them for this long is closed (1008). */
  streamStallMs: number;
  labAnyAddress: boolean;
  metricsPublic: boolean;
  selected: SelectedSource;
  store: ConnectionStore;
  /** The store's totals over the last hour (per second) and day (per minute). */
  history: TotalsHistory;
  /** Connections that died or closed lately, with their last view and cause. */
  postMortems: PostMortems;
  processMap: ProcessMap;
  foreignSettings: ForeignSettings;
  foreign: ForeignAccess | null;
  lab: Lab;
  blackholes: Blackholes;
  /** The client ⇄ router ⇄ server lab with a real conntrack idle timeout. */
  middlebox: Middlebox;
  control: SocketControl;
  events: EventBus;
  audit: AuditLog;
  /** The server's own namespace's sysctls. */
  sysctl: SysctlStore;
  namespaces: NamespaceRegistry;
  namespaceSysctls: NamespaceSysctls;
  metrics: Metrics;
  /** Keepalive probes on the wire of the connections watched (selected, lab, probing). */
  probes: ProbeWatch;
  /** Each namespace's TcpExt TCPKeepAlive / TCPAbortOnTimeout. */
  kernelCounters: KernelCounters;
  capabilities: Capabilities;
  version: string;
  now: () => number;
}
