/**
 * A source listing N made-up sockets, so the browser can be handed 10k or 50k
 * rows without this host holding them (used by test/e2e/fifty-thousand and
 * bench/ui). Timers and last-receive times are fixed moments, reported the way
 * a kernel would ("ms from now", "ms ago"), so an idle socket does not change
 * between collections and the deltas that arrive while scrolling stay small.
 */
import type { Connection, TcpState } from '@keepalive-dashboard/shared';
import type { SourceFactories } from '@keepalive-dashboard/server/sources/select';

const STATES: TcpState[] = ['ESTABLISHED', 'ESTABLISHED', 'TIME_WAIT', 'CLOSE_WAIT', 'ESTABLISHED'];

function manySockets(count: number, base: number): () => Connection[] {
  const fixed = Array.from({ length: count }, (_, i) => {
    const state = STATES[i % STATES.length] ?? 'ESTABLISHED';
    const keepalive = state === 'ESTABLISHED' && i % 2 === 0;
    return { i, state, keepalive, fireAt: base + 1000 + ((i * 7919) % 7_000_000), lastRecvAt: base - (i % 60_000) };
  });
  return () => {
    const now = Date.now();
    return fixed.map(({ i, state, keepalive, fireAt, lastRecvAt }) => ({
      id: `ino:${10_000_000 + i}`,
      family: 4,
      state,
      local: { address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 1024 + (i % 60_000) },
      peer: { address: '10.255.0.1', port: 5432 },
      inode: 10_000_000 + i,
      cookie: null,
      uid: 1000,
      recvQ: 0,
      sendQ: 0,
      timer: keepalive ? { kind: 'keepalive', remainingMs: Math.max(0, fireAt - now), count: i % 10 === 0 ? 1 : 0 } : { kind: 'none', remainingMs: 0, count: 0 },
      tcpInfo: { rtt: 200 + (i % 5000), lastDataRecv: now - lastRecvAt, lastAckRecv: now - lastRecvAt, unacked: 0, notsentBytes: 0 },
    }));
  };
}

/** Every source name answers with the same N sockets, whichever the app selects. */
export function fakeSourceFactories(count: number): SourceFactories {
  const sockets = manySockets(count, Date.now());
  const fake = () => ({ name: 'netlink' as const, collect: async () => sockets() });
  return { netlink: fake, ss: fake, netstat: fake, proc: fake };
}
