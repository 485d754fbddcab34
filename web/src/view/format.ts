/** Formatting for display: units in the text, never HTML. */
import {
  escapeControl,
  formatEndpoint,
  keepalivePhase,
  remainingMs,
  type ConnectionView,
  type Endpoint,
  type ErrorBody,
  type Holder,
  type KeepaliveSettings,
  type NetnsRef,
  type PostMortem,
  type Sysctl,
} from '@keepalive-dashboard/shared';

/** 42 300 ms → "42.3 s" (under a minute keeps a tenth); 599 s → "9 min 59 s"; 7 195 s → "1 h 59 min 55 s", coarse "1 h 59 min". */
export function formatDuration(ms: number | null, precise = true): string {
  if (ms === null) return '—';
  if (ms < 60_000) return precise ? `${(Math.floor(ms / 100) / 10).toFixed(1)} s` : `${Math.floor(ms / 1000)} s`;
  // Every duration carries its units ("9 min 59 s", never "9:59" beside "8 s"); past an hour the
  // coarse form drops the seconds, as nobody reads them there.
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h === 0) return `${m} min ${s} s`;
  return precise ? `${h} h ${m} min ${s} s` : `${h} h ${m} min`;
}

/**
 * The one "dead in", wherever it is shown (the table's column, the detail): from NOW to the
 * predicted death, in the one duration format. Texts that count from the last receive instead
 * (the retune form's "detected … after its last answer") say so in words.
 */
export function deadInText(deadAtMs: number | null, now: number): string {
  return formatDuration(remainingMs(deadAtMs, now), false);
}

/** The hover of a "dead in": when, as a local clock time to the second. */
export function deadAtTitle(deadAtMs: number | null): string | undefined {
  return deadAtMs === null ? undefined : `predicted death at ${clockTime(deadAtMs)} (local time)`;
}

/** Why a connection ended, in words: "the kernel gave up after 9 unanswered keepalive probes (ETIMEDOUT)". */
export function deathCauseText(gone: PostMortem, lastSettings: KeepaliveSettings | null): string {
  const code = gone.code ? ` (${gone.code})` : '';
  const n = gone.probesOut;
  switch (gone.cause) {
    case 'keepalive':
      return `the kernel gave up after ${n} unanswered keepalive probe${n === 1 ? '' : 's'}${code}`;
    case 'user-timeout': {
      const uto = lastSettings && lastSettings.userTimeoutMs > 0 ? ` of ${formatDuration(lastSettings.userTimeoutMs)}` : '';
      return `TCP_USER_TIMEOUT${uto} ran out with the peer silent, after ${n} keepalive probe${n === 1 ? '' : 's'}${code}`;
    }
    case 'retransmit-timeout':
      return `data went unacknowledged until the kernel's retransmissions gave up${code}`;
    case 'reset':
      return `the peer reset it${code}`;
    case 'killed':
      return `it was killed (SOCK_DESTROY)${gone.code && gone.code !== 'ECONNABORTED' ? `; its owner got ${gone.code}` : ''}`;
    case 'closed':
      return 'it left the kernel\'s table with no error the server could see: its owner most likely closed it';
  }
}

/** "predicted 18:50:03, actual 18:50:03: 0.3 s later than predicted" — or why there is no comparison. */
export function predictionText(gone: PostMortem): string {
  const late = gone.seenBy === 'sweep' ? ' (the end was seen by a sweep: up to one sweep interval late)' : '';
  if (gone.predictedDeadAt === null || gone.errorMs === null) return `no prediction to compare: keepalive was off or its timer unknown${late}`;
  // Under a tenth of a second the one format would read "0.0 s later": say it plainly instead.
  const diff = Math.abs(gone.errorMs) < 100 ? 'within 0.1 s of the prediction' : `${formatDuration(Math.abs(gone.errorMs))} ${gone.errorMs > 0 ? 'later' : 'earlier'} than predicted`;
  return `predicted ${clockTime(gone.predictedDeadAt)}, actual ${clockTime(gone.at)}: ${diff}${late}`;
}

/** The sysctl a socket that never sets a keepalive option reads back (per network namespace). */
export const KEEPALIVE_SYSCTLS = {
  idle: 'net.ipv4.tcp_keepalive_time',
  interval: 'net.ipv4.tcp_keepalive_intvl',
  count: 'net.ipv4.tcp_keepalive_probes',
} as const;
export type KeepaliveSetting = keyof typeof KEEPALIVE_SYSCTLS;

/**
 * Where a setting's value matches: its namespace's sysctl, or something else set on the socket;
 * null when either side is unknown. Linux's getsockopt reads the sysctl for an option never set,
 * so "inherited" and "set to the same value" look alike: equal says "= sysctl", nothing more.
 */
export function settingOrigin(setting: KeepaliveSetting, settings: KeepaliveSettings | null, sysctl: Sysctl | null): 'sysctl' | 'socket' | null {
  if (!settings || !sysctl) return null;
  const [own, fromSysctl] =
    setting === 'idle'
      ? [settings.idleSec, sysctl.keepaliveTimeSec]
      : setting === 'interval'
        ? [settings.intervalSec, sysctl.keepaliveIntvlSec]
        : [settings.count, sysctl.keepaliveProbes];
  return own === fromSysctl ? 'sysctl' : 'socket';
}

export function settingOriginText(setting: KeepaliveSetting, origin: 'sysctl' | 'socket' | null): string | null {
  if (origin === null) return null;
  return origin === 'sysctl' ? `= sysctl default (${KEEPALIVE_SYSCTLS[setting]})` : 'set on the socket';
}

export function endpoint(e: Endpoint): string {
  return formatEndpoint(e);
}

/**
 * "nginx (1234)" and "+2" when several processes share the socket (after fork). Process names
 * come from other users: a bidi override or control character is shown escaped, never obeyed.
 */
export function processLabel(view: ConnectionView): string {
  const [first, ...rest] = view.holders;
  if (!first) return '—';
  return `${escapeControl(first.comm)} (${first.pid})${rest.length ? ` +${rest.length}` : ''}`;
}

/** Who: the user (or uid), the unit or container, and the command line. */
export function holderWho(h: Holder): string {
  const user = h.user ?? (h.uid === null ? null : `uid ${h.uid}`);
  return [user, h.unit === null ? null : escapeControl(h.unit)].filter((part) => part !== null).join(' · ');
}

export function holdersTitle(view: ConnectionView): string {
  return view.holders
    .map((h) => {
      const who = holderWho(h);
      return `${escapeControl(h.comm)} pid ${h.pid} fd ${h.fd}${who ? ` — ${who}` : ''}${h.cmdline ? `\n  ${escapeControl(h.cmdline)}` : ''}`;
    })
    .join('\n');
}

export function rttLabel(rttUs: number | undefined): string {
  if (rttUs === undefined) return '—';
  const ms = rttUs / 1000;
  return ms < 10 ? `${ms.toFixed(2)} ms` : ms < 100 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** "netns:4026531840, this server's namespace": which namespace a label stands for, in a sentence. */
export function netnsRefText(netns: NetnsRef): string {
  return `netns:${netns.inode}${netns.own ? ", this server's namespace" : ''}`;
}

/** `netns:<inode>`, and whether it is the server's own: what the namespace cell's label stands for. */
export function netnsTitle(netns: NetnsRef | null): string {
  if (!netns) return 'namespace not known (captures do not say)';
  return `netns:${netns.inode}${netns.own ? " (this server's namespace)" : ''}`;
}

export function errorText(error: ErrorBody): string {
  return `${error.code}: ${error.message}`;
}

export function clockTime(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** tcp_info fields and their units, as the kernel gives them (native/ts/tcp-info.ts). */
const TCP_INFO_UNITS: Record<string, 'us' | 'ms' | 'bytes' | 'Bps' | 'segs' | ''> = {
  rto: 'us',
  ato: 'us',
  rtt: 'us',
  rttvar: 'us',
  rcvRtt: 'us',
  minRtt: 'us',
  busyTime: 'us',
  rwndLimited: 'us',
  sndbufLimited: 'us',
  lastDataSent: 'ms',
  lastAckSent: 'ms',
  lastDataRecv: 'ms',
  lastAckRecv: 'ms',
  totalRtoTime: 'ms',
  pmtu: 'bytes',
  sndMss: 'bytes',
  rcvMss: 'bytes',
  advmss: 'bytes',
  rcvSpace: 'bytes',
  notsentBytes: 'bytes',
  bytesAcked: 'bytes',
  bytesReceived: 'bytes',
  bytesSent: 'bytes',
  bytesRetrans: 'bytes',
  sndWnd: 'bytes',
  rcvWnd: 'bytes',
  rcvSsthresh: 'bytes',
  pacingRate: 'Bps',
  maxPacingRate: 'Bps',
  deliveryRate: 'Bps',
  sndCwnd: 'segs',
  sndSsthresh: 'segs',
  unacked: 'segs',
  sacked: 'segs',
  lost: 'segs',
  retrans: 'segs',
  segsOut: 'segs',
  segsIn: 'segs',
  dataSegsIn: 'segs',
  dataSegsOut: 'segs',
};

const UNIT_TEXT = { us: 'µs', ms: 'ms', bytes: 'B', Bps: 'B/s', segs: 'segments', '': '' } as const;

export function tcpInfoRow(key: string, value: number | boolean | string): { name: string; value: string; unit: string } {
  const unit = TCP_INFO_UNITS[key] ?? '';
  if (typeof value !== 'number') return { name: key, value: String(value), unit: '' };
  // The kernel's "no limit" for a rate is ~0 (u64 all ones), which a double shows as 18,446,744,073,709,552,000.
  if (unit === 'Bps' && value >= 2 ** 64 - 2 ** 11) return { name: key, value: 'unlimited', unit: '' };
  if (unit === 'us' && value >= 1000) return { name: key, value: (value / 1000).toFixed(value >= 100_000 ? 0 : 2), unit: 'ms' };
  if (unit === 'ms' && value >= 10_000) return { name: key, value: (value / 1000).toFixed(1), unit: 's' };
  return { name: key, value: value.toLocaleString('en-US'), unit: UNIT_TEXT[unit] };
}

/** A short label for the keepalive phase; a suspended one says what holds it. */
export function phaseLabel(view: ConnectionView): string {
  const phase = keepalivePhase(view);
  if (phase !== 'suspended') return phase;
  // The kernel re-arms keepalive while anything waits to be sent. With a zero
  // window nothing is in flight: the persist timer probes the window instead.
  if (view.timer.kind === 'persist') return "suspended: the peer's window is zero (window probes, not keepalive)";
  if ((view.tcpInfo?.unacked ?? 0) > 0) return 'suspended: data in flight';
  return 'suspended: data queued, not yet sent';
}
