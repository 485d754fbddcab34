/**
 * A chain of network namespaces for tests: ns1 ⇄ ns2 ⇄ … joined by veth links, loopback up,
 * and distinct keepalive sysctls in each, so a socket's namespace shows in its defaults.
 * Processes started with `spawnIn` are killed (by pid) before their namespace is deleted:
 * `ip netns delete` only unmounts the name, and a process still inside would keep the
 * namespace alive, unnamed, after the test.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import type { TestContext } from 'node:test';

import { spawnChild, type Child } from './processes.js';

export interface NetnsSysctl {
  keepaliveTimeSec: number;
  keepaliveIntvlSec: number;
  keepaliveProbes: number;
}

export interface LabNamespace {
  /** The `ip netns` name (a file in /run/netns). */
  name: string;
  /** Its nsfs inode: what the server calls it. */
  inode: number;
  sysctl: NetnsSysctl;
  /** Its address on the link to the previous namespace of the chain (null for the first). */
  left: string | null;
  /** Its address on the link to the next namespace (null for the last). */
  right: string | null;
}

export interface NetnsLab {
  namespaces: LabNamespace[];
  /** Runs `command` inside `ns` (`ip netns exec` execs, so the pid is the command's own). */
  spawnIn(ns: LabNamespace, command: string, args: string[]): Child;
  /** Kills what was started in `ns`, then deletes it, now rather than when the test ends. */
  remove(ns: LabNamespace): Promise<void>;
}

// One chain's links take consecutive /30s of 10.77.<pid % 256>.0/24. The addresses only have
// to be unique within this test process: every link lives between namespaces of its own.
const LINKS_PER_PROCESS = 64;
let namespacesMade = 0;
let linksMade = 0;

const ip = (args: string[]): void => {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
};

/** Distinct per namespace, and unlike any kernel default (7200 / 75 / 9). */
function sysctlFor(n: number): NetnsSysctl {
  return { keepaliveTimeSec: 3600 + 60 * n, keepaliveIntvlSec: 20 + n, keepaliveProbes: 4 + n };
}

function addNamespace(name: string, sysctl: NetnsSysctl): number {
  ip(['netns', 'add', name]);
  ip(['-n', name, 'link', 'set', 'lo', 'up']);
  execFileSync('ip', [
    'netns', 'exec', name, 'sysctl', '-q', '-w',
    `net.ipv4.tcp_keepalive_time=${sysctl.keepaliveTimeSec}`,
    `net.ipv4.tcp_keepalive_intvl=${sysctl.keepaliveIntvlSec}`,
    `net.ipv4.tcp_keepalive_probes=${sysctl.keepaliveProbes}`,
  ]);
  return statSync(`/run/netns/${name}`).ino;
}

/** A veth pair from `a` (its end `right`) to `b` (its end `left`); resolves both addresses. */
function link(a: string, b: string): { left: string; right: string } {
  if (linksMade >= LINKS_PER_PROCESS) throw new Error(`netnsLab: more than ${LINKS_PER_PROCESS} links in one process`);
  const subnet = 4 * linksMade;
  linksMade += 1;
  const right = `10.77.${process.pid % 256}.${subnet + 1}`;
  const left = `10.77.${process.pid % 256}.${subnet + 2}`;
  // Created inside `a` with its peer put straight into `b`: the names never exist in the host namespace.
  ip(['-n', a, 'link', 'add', 'right', 'type', 'veth', 'peer', 'name', 'left', 'netns', b]);
  ip(['-n', a, 'addr', 'add', `${right}/30`, 'dev', 'right']);
  ip(['-n', b, 'addr', 'add', `${left}/30`, 'dev', 'left']);
  ip(['-n', a, 'link', 'set', 'right', 'up']);
  ip(['-n', b, 'link', 'set', 'left', 'up']);
  return { left, right };
}

async function killAndWait(child: Child): Promise<void> {
  if (child.child.exitCode !== null || child.child.signalCode !== null) return;
  const exited = once(child.child, 'exit');
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    return; // exited between the check and the kill
  }
  await exited;
}

/** Creates `count` chained namespaces `ka-nsl-<pid>-<n>`, all deleted when the test ends, pass or fail. */
export function netnsLab(t: TestContext, count: number): NetnsLab {
  const namespaces: LabNamespace[] = [];
  const children = new Map<string, Child[]>();
  const removed = new Set<string>();
  const remove = async (ns: LabNamespace): Promise<void> => {
    if (removed.has(ns.name)) return;
    removed.add(ns.name);
    await Promise.all((children.get(ns.name) ?? []).map(killAndWait));
    // Absent when creating it failed half-way.
    if (existsSync(`/run/netns/${ns.name}`)) ip(['netns', 'delete', ns.name]);
  };
  // Registered before anything is created, so a failure half-way still cleans up what exists.
  t.after(async () => {
    for (const ns of namespaces) await remove(ns);
  });
  for (let i = 0; i < count; i++) {
    namespacesMade += 1;
    const name = `ka-nsl-${process.pid}-${namespacesMade}`;
    const sysctl = sysctlFor(namespacesMade);
    const ns: LabNamespace = { name, inode: 0, sysctl, left: null, right: null };
    namespaces.push(ns);
    ns.inode = addNamespace(name, sysctl);
    const previous = namespaces[i - 1];
    if (previous) {
      const addresses = link(previous.name, name);
      previous.right = addresses.right;
      ns.left = addresses.left;
    }
  }
  return {
    namespaces,
    spawnIn(ns, command, args) {
      if (removed.has(ns.name)) throw new Error(`netnsLab: ${ns.name} was removed`);
      const child = spawnChild(t, 'ip', ['netns', 'exec', ns.name, command, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
      children.set(ns.name, [...(children.get(ns.name) ?? []), child]);
      return child;
    },
    remove,
  };
}
