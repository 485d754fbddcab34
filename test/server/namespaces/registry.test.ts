import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { test } from 'node:test';

import { NamespaceRegistry } from '@keepalive-dashboard/server/namespaces/registry';

import { createNetns } from '../../helpers/netns.js';
import { spawnChild } from '../../helpers/processes.js';

const inodeOf = (path: string): number => statSync(path).ino;

test('a named namespace is found by its mount, labelled with its ip netns name, and reached through it', (t) => {
  const registry = new NamespaceRegistry();
  const ns = `ka-reg-${process.pid}`;
  execFileSync('ip', ['netns', 'add', ns]);
  t.after(() => {
    try {
      execFileSync('ip', ['netns', 'delete', ns], { stdio: 'ignore' });
    } catch {
      // deleted by the test itself
    }
  });
  const inode = inodeOf(`/run/netns/${ns}`);
  assert.ok(registry.refresh().appeared.includes(inode));
  assert.equal(registry.ref(inode)?.label, ns);
  assert.deepEqual(registry.targets(inode)?.[0], { path: `/run/netns/${ns}`, inode });
  assert.equal(registry.targets(registry.ownInode), null, 'the own namespace needs no entering');
  execFileSync('ip', ['netns', 'delete', ns]);
  assert.ok(registry.refresh().vanished.includes(inode));
  assert.equal(registry.get(inode), undefined);
});

test("an anonymous namespace is found through its process, which the list names", async (t) => {
  const registry = new NamespaceRegistry();
  const child = spawnChild(t, 'unshare', ['--net', 'python3', '-c', 'import time; print("up", flush=True); time.sleep(60)']);
  assert.equal(await child.nextLine(), 'up');
  const inode = inodeOf(`/proc/${child.pid}/ns/net`);
  registry.refresh();
  const entry = registry.get(inode);
  assert.equal(entry?.ref.label, `netns:${inode}`);
  assert.deepEqual(entry?.processes.find((p) => p.pid === child.pid), { pid: child.pid, comm: 'python3' });
  assert.equal(registry.targets(inode)?.[0]?.path, `/proc/${child.pid}/ns/net`);
  process.kill(child.pid, 'SIGKILL');
  await new Promise((resolve) => child.child.once('exit', resolve));
  assert.ok(registry.refresh().vanished.includes(inode));
});

test('scope own watches only the server\'s namespace', (t) => {
  const ns = createNetns(t);
  const registry = new NamespaceRegistry({ scope: 'own' });
  assert.deepEqual(registry.list().map((e) => e.inode), [registry.ownInode]);
  assert.equal(registry.get(inodeOf(`/run/netns/${ns}`)), undefined);
});
