/**
 * The middlebox lab's namespaces: client ⇄ router ⇄ server, joined by veth
 * pairs with private /30s. Each veth is made inside one lab namespace with its
 * peer put straight into the other, so nothing ever exists in the host's
 * namespace; the router forwards, tracks connections (conntrack with
 * tcp_loose=0, so a forgotten flow is never picked up again mid-stream) and
 * runs one nftables table of ours. Deleting the namespaces deletes everything:
 * their veths, routes, conntrack entries and nft table go with them.
 *
 * Names carry the owning instance (pid, start time, pid namespace, number in
 * the process) so the next start after a crash can tell a dead owner's set
 * from a live one's, exactly as the black-hole tables do.
 */
import { closeSync, readdirSync, statSync, writeSync } from 'node:fs';

import { openFileInNetns, type NetnsTarget } from '@keepalive-dashboard/native';

import { ownerAlive, ownPidNs, processStartTime, type TableOwner } from '../blackhole.js';
import type { MiddleboxSettings } from './settings.js';
import type { RunCommand } from './run.js';

export type Role = 'client' | 'router' | 'server';

export const ADDRESSES = {
  client: '10.213.1.2',
  routerClientSide: '10.213.1.1',
  routerServerSide: '10.213.2.1',
  server: '10.213.2.2',
} as const;

const NETNS_DIR = '/run/netns';
const NAME = /^ka-mb-(\d+)-(\d+)-(\d+)-(\d+)-(client|router|server)$/;
/** Our table in the router: the namespace is ours, so the name only has to be ours within it. */
const TABLE = 'inet keepalive_middlebox';

let instancesInProcess = 0;

export function instanceName(): { instance: string; owner: TableOwner } {
  const owner: TableOwner = { pid: process.pid, startTime: processStartTime('self') ?? 0, pidNs: ownPidNs() };
  instancesInProcess += 1;
  return { instance: `${owner.pid}-${owner.startTime}-${owner.pidNs}-${instancesInProcess}`, owner };
}

export const namespaceName = (instance: string, role: Role): string => `ka-mb-${instance}-${role}`;

export function netnsTarget(name: string): NetnsTarget {
  const path = `${NETNS_DIR}/${name}`;
  return { path, inode: statSync(path).ino };
}

function writeSysctl(netns: string, file: string, value: string): void {
  const fd = openFileInNetns(netnsTarget(netns), `/proc/sys/net/${file}`, 'w');
  try {
    writeSync(fd, value);
  } finally {
    closeSync(fd);
  }
}

/** The forward chain, whole: flushed and refilled in one batch so a mode change has no gap. */
function forwardRules(mode: MiddleboxSettings['mode']): string {
  // A reset can only answer TCP; anything else invalid is dropped in either mode.
  const forgotten = mode === 'rst' ? ['ct state invalid meta l4proto tcp reject with tcp reset', 'ct state invalid drop'] : ['ct state invalid drop'];
  return [
    `add table ${TABLE}`,
    `add chain ${TABLE} forward { type filter hook forward priority filter; policy drop; }`,
    `flush chain ${TABLE} forward`,
    ...forgotten.map((rule) => `add rule ${TABLE} forward ${rule}`),
    `add rule ${TABLE} forward ct state established,related accept`,
    `add rule ${TABLE} forward ct state new accept`,
    '',
  ].join('\n');
}

export class Topology {
  readonly names: Record<Role, string>;

  constructor(
    readonly instance: string,
    private readonly run: RunCommand,
  ) {
    this.names = { client: namespaceName(instance, 'client'), router: namespaceName(instance, 'router'), server: namespaceName(instance, 'server') };
  }

  private ip(args: string[]): Promise<string> {
    return this.run('ip', args);
  }

  /** Builds the three namespaces; on any failure removes what it made and rethrows. */
  async create(settings: MiddleboxSettings): Promise<void> {
    const { client, router, server } = this.names;
    try {
      for (const ns of [client, router, server]) {
        await this.ip(['netns', 'add', ns]);
        await this.ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      }
      await this.ip(['-n', client, 'link', 'add', 'to-router', 'type', 'veth', 'peer', 'name', 'to-client', 'netns', router]);
      await this.ip(['-n', server, 'link', 'add', 'to-router', 'type', 'veth', 'peer', 'name', 'to-server', 'netns', router]);
      await this.ip(['-n', client, 'addr', 'add', `${ADDRESSES.client}/30`, 'dev', 'to-router']);
      await this.ip(['-n', router, 'addr', 'add', `${ADDRESSES.routerClientSide}/30`, 'dev', 'to-client']);
      await this.ip(['-n', router, 'addr', 'add', `${ADDRESSES.routerServerSide}/30`, 'dev', 'to-server']);
      await this.ip(['-n', server, 'addr', 'add', `${ADDRESSES.server}/30`, 'dev', 'to-router']);
      for (const [ns, dev] of [[client, 'to-router'], [router, 'to-client'], [router, 'to-server'], [server, 'to-router']] as const) {
        await this.ip(['-n', ns, 'link', 'set', dev, 'up']);
      }
      await this.ip(['-n', client, 'route', 'add', 'default', 'via', ADDRESSES.routerClientSide]);
      await this.ip(['-n', server, 'route', 'add', 'default', 'via', ADDRESSES.routerServerSide]);
      writeSysctl(router, 'ipv4/ip_forward', '1');
      // The ct rules load conntrack in the router first: its sysctls exist from then on.
      await this.apply(settings);
    } catch (error) {
      await this.remove();
      throw error;
    }
  }

  /** Sets mode and timeout on a built router (a timeout applies to each flow from its next segment). */
  async apply(settings: MiddleboxSettings): Promise<void> {
    await this.run('ip', ['netns', 'exec', this.names.router, 'nft', '-f', '-'], forwardRules(settings.mode));
    writeSysctl(this.names.router, 'netfilter/nf_conntrack_tcp_loose', '0');
    writeSysctl(this.names.router, 'netfilter/nf_conntrack_tcp_timeout_established', String(settings.timeoutSec));
  }

  /** Never rejects: a namespace that could not be deleted is reaped at the next start. */
  async remove(): Promise<void> {
    for (const ns of Object.values(this.names)) await removeNamespace(this.run, ns);
  }
}

/** Ends what still runs inside (a process keeps a namespace alive, unnamed), then deletes the name. */
async function removeNamespace(run: RunCommand, name: string): Promise<void> {
  const pids = await run('ip', ['netns', 'pids', name]).catch(() => '');
  for (const pid of pids.split(/\s+/).filter(Boolean).map(Number)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await run('ip', ['netns', 'delete', name]).catch(() => {});
}

/** Deletes the lab namespaces of instances that died without cleaning up; returns their names. */
export async function reapLeftovers(run: RunCommand, own: TableOwner): Promise<string[]> {
  let names: string[];
  try {
    names = readdirSync(NETNS_DIR);
  } catch {
    return []; // no named namespace at all
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = NAME.exec(name);
    if (!match) continue;
    const owner: TableOwner = { pid: Number(match[1]), startTime: Number(match[2]), pidNs: Number(match[3]) };
    // Another pid namespace's pid means nothing here: leave its sets alone.
    if (owner.pidNs !== own.pidNs || ownerAlive(owner)) continue;
    await removeNamespace(run, name);
    removed.push(name);
  }
  return removed;
}
