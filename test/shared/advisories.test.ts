import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DEFAULT_ADVISORY_OPTIONS, keepaliveAdvisories, type NamespaceDefaults } from '@keepalive-dashboard/shared';

const POD: NamespaceDefaults = { label: 'pod:1234', idleSec: 7200, intervalSec: 75, count: 9, host: { idleSec: 60, intervalSec: 10, count: 6 } };
const settings = (idleSec: number, intervalSec: number, count: number) => ({ enabled: true, idleSec, intervalSec, count, userTimeoutMs: 0 });
const codes = (namespace?: NamespaceDefaults, s = settings(7200, 75, 9)) =>
  keepaliveAdvisories('ESTABLISHED', s, 1000, { ...DEFAULT_ADVISORY_OPTIONS, ...(namespace ? { namespace } : {}) }).map((a) => a.code);

test("settings that are the namespace's defaults, while the host's differ, are flagged as inherited from the namespace", () => {
  assert.deepEqual(codes(POD), ['idle-exceeds-middlebox', 'namespace-defaults']);
  const message = keepaliveAdvisories('ESTABLISHED', settings(7200, 75, 9), 1000, { ...DEFAULT_ADVISORY_OPTIONS, namespace: POD })[1]?.message ?? '';
  assert.match(message, /namespace pod:1234's sysctls, not the host's 60 s \/ 10 s \/ 6/);
});

test('no namespace advisory for chosen settings, for the host itself, or without the namespace known', () => {
  assert.deepEqual(codes(POD, settings(30, 5, 3)), []);
  assert.deepEqual(codes({ ...POD, host: null }), ['idle-exceeds-middlebox']);
  assert.deepEqual(codes(), ['idle-exceeds-middlebox']);
});

test("an idle above the middlebox timeout says when it is the namespace's tcp_keepalive_time", () => {
  const [advisory] = keepaliveAdvisories('ESTABLISHED', settings(7200, 75, 9), 1000, { ...DEFAULT_ADVISORY_OPTIONS, namespace: POD });
  assert.match(advisory?.message ?? '', /idle 7200 s \(namespace pod:1234's net\.ipv4\.tcp_keepalive_time\)/);
});
