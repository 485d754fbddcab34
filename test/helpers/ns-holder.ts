/**
 * The typed face of ns-holder.py and ns-mover.py: Python programs holding keepalive sockets
 * inside the lab's namespaces (a third-party-like owner, not a Node process of ours).
 */
import type { Child } from './processes.js';
import { HELPERS } from './processes.js';
import type { LabNamespace, NetnsLab } from './netns-lab.js';

export interface Keepalive {
  enabled: boolean;
  idleSec: number;
  intervalSec: number;
  count: number;
  userTimeoutMs: number;
}

export interface HeldEndpoint {
  address: string;
  port: number;
}

export interface NsSocket {
  role: string;
  local: HeldEndpoint;
  peer: HeldEndpoint;
  inode: number;
  /** As the holder's own getsockopt read it at READY. */
  keepalive: Keepalive;
}

export interface NsHolder {
  child: Child;
  pid: number;
  sockets: NsSocket[];
  /** Listening sockets (no peer, no keepalive). */
  listeners: { local: HeldEndpoint; inode: number }[];
  /** The kernel's settings of the socket with this local port, read by the holder itself. */
  get(port: number): Promise<Keepalive>;
  /** What recv() says on that socket now: an errno name (ECONNABORTED after a kill) or null. */
  recv(port: number): Promise<{ error: string | null; eof: boolean }>;
}

/** The port ns-holder.py listens on for its neighbour (below the ephemeral range, so no client takes it). */
export const NEIGHBOUR_PORT = 7077;

export interface HolderOptions {
  keepalive: [idleSec: number, intervalSec: number, count: number, userTimeoutMs?: number];
  listen?: string[];
  connect?: string[];
  /** Neighbour connections to accept before READY. */
  accept?: number;
}

async function ready(child: Child): Promise<NsHolder> {
  const first = JSON.parse(await child.nextLine()) as { event: string; pid: number; sockets: NsSocket[]; listeners?: NsHolder['listeners'] };
  if (first.event !== 'READY') throw new Error(`holder said ${JSON.stringify(first)} instead of READY`);
  const ask = async (command: string): Promise<Record<string, unknown>> => {
    child.child.stdin?.write(`${command}\n`);
    const answer = JSON.parse(await child.nextLine()) as Record<string, unknown>;
    if ('command' in answer) throw new Error(`holder: ${command}: ${String(answer.error)}`);
    return answer;
  };
  return {
    child,
    pid: first.pid,
    sockets: first.sockets,
    listeners: first.listeners ?? [],
    get: async (port) => (await ask(`get ${port}`)).keepalive as Keepalive,
    recv: async (port) => (await ask(`recv ${port}`)) as { error: string | null; eof: boolean },
  };
}

/** Starts ns-holder.py inside `ns` (killed before `ns` is deleted); resolves at its READY line. */
export function startHolder(lab: NetnsLab, ns: LabNamespace, options: HolderOptions): Promise<NsHolder> {
  const args = [`${HELPERS}ns-holder.py`, '--keepalive', options.keepalive.join(',')];
  for (const address of options.listen ?? []) args.push('--listen', address);
  for (const address of options.connect ?? []) args.push('--connect', address);
  if (options.accept) args.push('--accept', String(options.accept));
  return ready(lab.spawnIn(ns, 'python3', args));
}

/**
 * Starts one holder per namespace of the chain, each listening on its `right` address for the
 * next and connecting to the previous one's: every holder has a loopback pair and a veth
 * connection to each neighbour. `keepalive[i]` goes on namespace i's client sockets.
 */
export function startChainHolders(lab: NetnsLab, keepalive: HolderOptions['keepalive'][]): Promise<NsHolder[]> {
  return Promise.all(
    lab.namespaces.map((ns, i) => {
      const settings = keepalive[i];
      if (!settings) throw new Error(`no keepalive settings for namespace ${i}`);
      const previous = lab.namespaces[i - 1];
      return startHolder(lab, ns, {
        keepalive: settings,
        listen: ns.right ? [`${ns.right}:${NEIGHBOUR_PORT}`] : [],
        connect: previous?.right ? [`${previous.right}:${NEIGHBOUR_PORT}`] : [],
        accept: ns.right ? 1 : 0,
      });
    }),
  );
}

/** Starts ns-mover.py in `from`; it moves itself into `to` half-way. Resolves at READY. */
export function startMover(lab: NetnsLab, from: LabNamespace, to: LabNamespace, keepalive: HolderOptions['keepalive']): Promise<NsHolder> {
  return ready(lab.spawnIn(from, 'python3', [`${HELPERS}ns-mover.py`, '--to', to.name, '--keepalive', keepalive.join(',')]));
}
