/** ConnectionView and frame builders for the web tests. */
import type { ConnectionView, DeltaFrame, KeepaliveSettings, SnapshotFrame, Totals } from '@keepalive-dashboard/shared';

let next = 1;

export const SETTINGS: KeepaliveSettings = { enabled: true, idleSec: 60, intervalSec: 10, count: 6, userTimeoutMs: 0 };

export function view(overrides: Partial<ConnectionView> = {}): ConnectionView {
  const n = next++;
  return {
    id: overrides.id ?? `c${String(n).padStart(4, '0')}`,
    family: 4,
    state: 'ESTABLISHED',
    local: { address: '127.0.0.1', port: 40000 + n },
    peer: { address: '127.0.0.1', port: 5432 },
    inode: 1000 + n,
    cookie: null,
    uid: 0,
    recvQ: 0,
    sendQ: 0,
    timer: { kind: 'none', expiresAt: null, count: 0 },
    sampledAt: 1_000_000,
    holders: [{ pid: 100 + n, fd: 3, comm: 'postgres', cmdline: '', uid: null, user: null, unit: null }],
    ownership: 'foreign',
    labId: null,
    keepalive: null,
    keepaliveOrigin: 'unknown',
    keepaliveError: null,
    derived: null,
    advisories: [],
    netns: null,
    ...overrides,
  };
}

/** A keepalive-on view sampled at `now`, last heard `elapsedMs` ago, `probes` out. */
export function kaView(now: number, elapsedMs: number, probes = 0, settings: KeepaliveSettings = SETTINGS, overrides: Partial<ConnectionView> = {}): ConnectionView {
  const idle = settings.idleSec * 1000;
  const intvl = settings.intervalSec * 1000;
  const lastRecvAt = now - elapsedMs;
  return view({
    sampledAt: now,
    keepalive: settings,
    keepaliveOrigin: 'owned',
    timer: { kind: 'keepalive', expiresAt: lastRecvAt + idle + probes * intvl, count: probes },
    derived: {
      phase: probes > 0 ? 'probing' : 'idle',
      nextProbeAt: lastRecvAt + idle + probes * intvl,
      deadAt: lastRecvAt + idle + settings.count * intvl,
      lastRecvAt,
      probesOut: probes,
      probesBeforeDeath: settings.count,
      keepaliveSuspended: false,
    },
    tcpInfo: { rtt: 250, lastDataRecv: elapsedMs, lastAckRecv: elapsedMs, probes },
    ...overrides,
  });
}

export const TOTALS: Totals = { connections: 0, byState: {}, keepaliveOn: 0, keepaliveOff: 0, probing: 0 };

export function snapshot(connections: ConnectionView[], serverTime = 1_000_000, seq = 1): SnapshotFrame {
  return { type: 'snapshot', seq, serverTime, intervalMs: 1000, readOnly: false, connections, totals: { ...TOTALS, connections: connections.length } };
}

export function delta(parts: Partial<Pick<DeltaFrame, 'added' | 'changed' | 'removed'>>, serverTime = 1_001_000, seq = 2): DeltaFrame {
  return { type: 'delta', seq, serverTime, added: [], changed: [], removed: [], totals: TOTALS, ...parts };
}
