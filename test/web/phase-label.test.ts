import assert from 'node:assert/strict';
import { test } from 'node:test';

import { phaseLabel } from '../../web/src/view/format.js';
import { kaView } from './views.js';

const NOW = 1_000_000;
const suspended = (timer: 'persist' | 'retransmit' | 'keepalive', unacked: number, notsentBytes: number) => {
  const base = kaView(NOW, 5_000);
  return kaView(NOW, 5_000, 0, undefined, {
    timer: { kind: timer, expiresAt: NOW + 200, count: 0 },
    derived: base.derived && { ...base.derived, phase: 'suspended', nextProbeAt: null, deadAt: null, keepaliveSuspended: true },
    tcpInfo: { ...base.tcpInfo, unacked, notsentBytes },
  });
};

test("a suspended keepalive says what holds it: the peer's zero window is not data in flight", () => {
  assert.match(phaseLabel(suspended('persist', 0, 65_536)), /window is zero/);
  assert.equal(phaseLabel(suspended('retransmit', 3, 0)), 'suspended: data in flight');
  assert.equal(phaseLabel(suspended('keepalive', 0, 1_024)), 'suspended: data queued, not yet sent');
  assert.equal(phaseLabel(kaView(NOW, 5_000)), 'idle');
});
