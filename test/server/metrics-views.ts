/** Made-up views for the metrics tests: every field a real view has, varied by index. */
import type { ConnectionView } from '@keepalive-dashboard/shared';

/** One in ten probing (death in i*10 ms mod 50 s), one in five flagged, 20 namespaces, 1,000 command names. */
export function syntheticView(i: number, now: number): ConnectionView {
  const probing = i % 10 === 0;
  const netns = i % 20;
  return {
    id: `ck:${i}`, family: 4, state: i % 7 === 0 ? 'TIME_WAIT' : 'ESTABLISHED',
    local: { address: `10.0.${(i >> 8) & 255}.${i & 255}`, port: 1024 + (i % 60_000) }, peer: { address: '::1', port: 443 },
    inode: i + 1, cookie: String(i), uid: 0, recvQ: 0, sendQ: 0, sampledAt: now,
    timer: { kind: 'keepalive', expiresAt: now + 1000, count: probing ? 2 : 0 },
    // 1,000 command names, some with characters the exposition must escape.
    holders: i % 3 === 0 ? [] : [{ pid: 100 + (i % 1000), fd: 3, comm: i % 1000 === 1 ? 'we"ird\\c\nmd' : `svc-${i % 1000}`, cmdline: '', uid: 0, user: 'root', unit: null }],
    ownership: 'foreign', labId: null, keepaliveOrigin: 'foreign', keepaliveError: null,
    keepalive: { enabled: i % 4 !== 0, idleSec: 60 + (i % 7200), intervalSec: 1 + (i % 75), count: 1 + (i % 9), userTimeoutMs: (i % 5) * 1000 },
    derived: probing ? { phase: 'probing', nextProbeAt: now + 1000, deadAt: now + (i % 5000) * 10, lastRecvAt: now - 60_000, probesOut: 2, probesBeforeDeath: 9, keepaliveSuspended: false } : null,
    advisories: i % 5 === 0 ? [{ code: 'idle-exceeds-middlebox', message: 'x' }] : [],
    netns: { inode: 4026531000 + netns, label: netns === 0 ? 'host' : `ns-${netns}`, own: netns === 0 },
  };
}
