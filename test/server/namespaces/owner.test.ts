import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ownerFromCgroup, ownerLabel } from '@keepalive-dashboard/server/namespaces/owner';

const ID = 'ab'.repeat(32);
const v2 = (path: string): string => `0::${path}\n`;

test('container runtimes are told apart by the cgroup shapes they write', () => {
  const cases: [string, string, string | null][] = [
    [v2(`/system.slice/docker-${ID}.scope`), 'docker', null],
    [`12:pids:/docker/${ID}\n11:memory:/docker/${ID}\n`, 'docker', null],
    [v2(`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice/cri-containerd-${ID}.scope`), 'containerd', '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0'],
    [v2(`/kubepods.slice/kubepods-pod0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice/crio-${ID}.scope`), 'cri-o', '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0'],
    [v2(`/kubepods/burstable/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/${ID}`), 'kubernetes', '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0'],
    [v2(`/machine.slice/libpod-${ID}.scope/container`), 'podman', null],
    [v2('/lxc.payload.web1/init.scope'), 'lxc', null],
    [v2('/system.slice/chronyd.service'), 'systemd', null],
  ];
  for (const [text, runtime, podUid] of cases) {
    const owner = ownerFromCgroup(text);
    assert.equal(owner?.runtime, runtime, text);
    assert.equal(owner?.podUid ?? null, podUid, text);
  }
});

test('a login session or the root cgroup belongs to no container; conmon is not the container', () => {
  assert.equal(ownerFromCgroup(v2('/user.slice/user-1000.slice/session-3.scope')), null);
  assert.equal(ownerFromCgroup(v2('/')), null);
  assert.equal(ownerFromCgroup(v2(`/machine.slice/libpod-conmon-${ID}.scope`)), null);
});

test('labels name the pod, the container (by name when known), or the unit', () => {
  assert.equal(ownerLabel({ runtime: 'docker', id: ID, podUid: null }), `docker:${ID.slice(0, 12)}`);
  assert.equal(ownerLabel({ runtime: 'docker', id: ID, podUid: null }, 'redis'), 'docker:redis');
  assert.equal(ownerLabel({ runtime: 'cri-o', id: ID, podUid: 'u-1' }), 'pod:u-1');
  assert.equal(ownerLabel({ runtime: 'systemd', id: 'chronyd.service', podUid: null }), 'systemd:chronyd.service');
});
