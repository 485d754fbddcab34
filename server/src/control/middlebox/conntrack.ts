/**
 * The router's view of a flow: its conntrack entry, read with `conntrack -L`
 * inside the router namespace. A line reads
 *   tcp      6 7 ESTABLISHED src=10.213.1.2 dst=10.213.2.2 sport=40000 dport=5000 src=… [ASSURED] mark=0 use=1
 * where 7 is the seconds left before the entry is forgotten (each segment of
 * the flow resets it to the state's timeout). The kernel's dump skips entries
 * already expired but not yet collected, so absent means forgotten.
 */
import type { RunCommand } from './run.js';

export interface ConntrackEntry {
  /** The TCP state conntrack tracks (ESTABLISHED, TIME_WAIT, …). */
  state: string;
  remainingSec: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
}

const LINE = /\btcp\s+6\s+(\d+)\s+([A-Z_]+)\s+src=(\S+)\s+dst=(\S+)\s+sport=(\d+)\s+dport=(\d+)/;

export function parseConntrack(text: string): ConntrackEntry[] {
  const entries: ConntrackEntry[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    entries.push({ remainingSec: Number(m[1]), state: m[2]!, src: m[3]!, dst: m[4]!, sport: Number(m[5]), dport: Number(m[6]) });
  }
  return entries;
}

/** Every TCP entry of the router namespace (its table holds only the lab's flows). */
export async function listConntrack(run: RunCommand, routerNetns: string): Promise<ConntrackEntry[]> {
  // conntrack prints its entries on stdout and a summary ("N flow entries") on stderr.
  return parseConntrack(await run('ip', ['netns', 'exec', routerNetns, 'conntrack', '-L', '-p', 'tcp']));
}
