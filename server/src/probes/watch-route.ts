/**
 * The interface a connection's segments travel on, for its packet capture:
 * loopback for a loopback peer (or one of our own addresses: the kernel
 * routes those through lo too), else what `ip route get PEER` says in the
 * connection's namespace. Cached per (namespace, peer): routes rarely move
 * while a connection is watched, and each lookup is two processes.
 */
import { execFile } from 'node:child_process';

import type { NetnsTarget } from '@keepalive-dashboard/native';

import { wireAddress } from './tuple.js';

/** Every namespace's loopback is ifindex 1 (LOOPBACK_IFINDEX). */
export const LOOPBACK = { ifindex: 1, name: 'lo' } as const;

export interface Interface {
  ifindex: number;
  name: string;
}

export type RouteLookup = (peer: string, netns: NetnsTarget | undefined) => Promise<Interface>;

export function isLoopbackPeer(local: string, peer: string): boolean {
  const p = wireAddress(peer);
  return p === '::1' || p.startsWith('127.') || p === wireAddress(local);
}

function ipJson(args: string[], netns: NetnsTarget | undefined): Promise<unknown> {
  const [command, argv] = netns ? ['nsenter', [`--net=${netns.path}`, 'ip', ...args]] : ['ip', args];
  return new Promise((resolve, reject) => {
    execFile(command, argv, { timeout: 5000, env: { ...process.env, LC_ALL: 'C' } }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(new Error(`ip ${args.join(' ')}: ${stderr.trim() || error.message}`), { code: 'EIO' }));
      else resolve(JSON.parse(stdout));
    });
  });
}

/** `ip -j route get PEER`, then `ip -j link show dev DEV` for its ifindex. */
export const ipRouteLookup: RouteLookup = async (peer, netns) => {
  const [route] = (await ipJson(['-j', 'route', 'get', wireAddress(peer)], netns)) as { dev?: string }[];
  if (!route?.dev) throw Object.assign(new Error(`no route to ${peer}`), { code: 'ENETUNREACH' });
  const [link] = (await ipJson(['-j', 'link', 'show', 'dev', route.dev], netns)) as { ifindex?: number }[];
  if (typeof link?.ifindex !== 'number') throw Object.assign(new Error(`no interface ${route.dev}`), { code: 'ENODEV' });
  return { ifindex: link.ifindex, name: route.dev };
};
