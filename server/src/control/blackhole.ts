/**
 * Black-holing a lab peer: its segments to our lab socket vanish, so keepalive
 * probes go unanswered and the kernel eventually declares the peer dead — a
 * pulled cable on one machine.
 *
 * How: each server instance owns one nftables table,
 *   table inet keepalive_dashboard_PID_STARTTIME_PIDNS_N
 * with an input-hook chain that drops TCP segments whose
 * `saddr . sport . daddr . dport` is in a set (one set for IPv4, one for IPv6).
 * A black hole is a set element; turning it on or off is one atomic `nft -f -`
 * batch that only ever names our own table.
 *
 * Why a table per instance and no shared rule: the earlier design moved the
 * namespace's `pref 0 lookup local` policy-routing rule aside while a black hole
 * was on — a read-modify-write of a table every process shares, serialized only
 * inside one process. Two instances interleaving (or a crash between the two
 * steps) lost the local rule, and with it loopback for the whole namespace.
 * nftables tables are independent objects: an instance can add, change and
 * delete its own without reading or writing anyone else's, and no interleaving
 * can touch routing at all. Why not tc: this kernel has no act_gact drop action
 * and no netem.
 *
 * The kernel table is the only state (no state file): it lives exactly as long
 * as the instance means it to, is deleted when the instance closes, and a crash
 * leaves it behind under a name that says who owned it. At start every instance
 * reaps tables of owners that are gone: PID no longer running, or running with
 * another start time (field 22 of /proc/PID/stat: a reused pid is someone else).
 * PIDNS (the pid namespace's inode) is there because a pid means nothing in
 * another pid namespace: a container sharing our network namespace but not our
 * pid namespace would otherwise have its live table reaped, so such tables are
 * left alone. N numbers the instances inside one process (tests build many apps).
 */
import { execFile } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';

export interface BlackholeRule {
  family: 4 | 6;
  from: string;
  to: string;
  sport: number;
  dport: number;
}

/** Runs `nft ARGS`, with `script` on stdin when given; resolves stdout. */
export type RunNft = (args: string[], script?: string) => Promise<string>;

const NFT_TIMEOUT_MS = 10_000;

function nftError(args: string[], error: { code?: unknown; message: string } | null, stderr: string): Error {
  if (error?.code === 'ENOENT') return Object.assign(new Error('the `nft` command is missing (Debian package nftables)'), { code: 'ENOENT' });
  const detail = `nft ${args.join(' ')}: ${stderr.trim() || error?.message || 'failed'}`;
  if (/Operation not permitted/i.test(stderr)) return Object.assign(new Error(`black-holing needs CAP_NET_ADMIN (${detail})`), { code: 'EPERM' });
  // The object named is not there (a table or element already gone): callers decide whether that matters.
  if (/No such file or directory/i.test(stderr)) return Object.assign(new Error(detail), { code: 'ENOENT', absent: true });
  return Object.assign(new Error(detail), { code: 'EIO' });
}

export function nftRunner(command = 'nft'): RunNft {
  return (args, script) =>
    new Promise((resolve, reject) => {
      const child = execFile(command, args, { timeout: NFT_TIMEOUT_MS }, (error, stdout, stderr) => {
        if (error) reject(nftError(args, error, stderr));
        else resolve(stdout);
      });
      if (script !== undefined) child.stdin?.end(script);
      else child.stdin?.end();
    });
}

const absent = (error: unknown): boolean => (error as { absent?: boolean }).absent === true;

/** v4-mapped IPv6 endpoints travel as IPv4 on the wire: match them as IPv4. */
export function ruleFor(local: { address: string; port: number }, peer: { address: string; port: number }): BlackholeRule {
  const unmap = (a: string): string => a.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1').replace(/%.*$/, '');
  const from = unmap(peer.address);
  const to = unmap(local.address);
  return { family: from.includes(':') ? 6 : 4, from, to, sport: peer.port, dport: local.port };
}

/** Who a table belongs to: a process is named by pid and start time, within a pid namespace. */
export interface TableOwner {
  pid: number;
  startTime: number;
  pidNs: number;
}

const TABLE_PREFIX = 'keepalive_dashboard_';
const TABLE_NAME = new RegExp(`^${TABLE_PREFIX}(\\d+)_(\\d+)_(\\d+)_(\\d+)$`);

/** Field 22 of /proc/PID/stat (clock ticks after boot); null when there is no such process. */
export function processStartTime(pid: number | 'self'): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses: count fields after the last ')', which is field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[22 - 3]);
  } catch {
    return null;
  }
}

export function ownPidNs(): number {
  try {
    return Number(/\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export function ownerAlive(owner: TableOwner): boolean {
  const startTime = processStartTime(owner.pid);
  if (startTime !== null) return startTime === owner.startTime;
  // No stat to read: gone, or hidden from us (/proc mounted hidepid=2). Only a gone owner is dead.
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let instancesInProcess = 0;

/** The nft text of an element; addresses are checked so nothing but an address reaches the script. */
function element(rule: BlackholeRule): string {
  const valid = rule.family === 4 ? isIPv4 : isIPv6;
  const port = (p: number): boolean => Number.isInteger(p) && p >= 0 && p <= 65535;
  if (!valid(rule.from) || !valid(rule.to) || !port(rule.sport) || !port(rule.dport)) {
    throw new TypeError(`not an IPv${rule.family} flow: ${rule.from}:${rule.sport} → ${rule.to}:${rule.dport}`);
  }
  return `{ ${rule.from} . ${rule.sport} . ${rule.to} . ${rule.dport} }`;
}

const setName = (family: 4 | 6): string => `v${family}`;

interface NftJson {
  nftables?: { table?: { family: string; name: string }; set?: { name: string; elem?: { concat?: (string | number)[] }[] } }[];
}

export class Blackholes {
  private readonly active = new Map<string, BlackholeRule>();
  private readonly table: string;
  private readonly owner: TableOwner;
  private readonly run: RunNft;
  /** Set before the first batch runs: a batch that timed out may still have made the table. */
  private tableMayExist = false;
  // Only keeps this instance's map in step with its own table; nothing shared needs ordering.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: { run?: RunNft } = {}) {
    this.run = options.run ?? nftRunner();
    this.owner = { pid: process.pid, startTime: processStartTime('self') ?? 0, pidNs: ownPidNs() };
    instancesInProcess += 1;
    this.table = `${TABLE_PREFIX}${this.owner.pid}_${this.owner.startTime}_${this.owner.pidNs}_${instancesInProcess}`;
  }

  isOn(id: string): boolean {
    return this.active.has(id);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }

  on(id: string, rule: BlackholeRule): Promise<void> {
    return this.serial(async () => {
      if (this.active.has(id)) return;
      const item = element(rule);
      this.tableMayExist = true;
      // Every `add` of the setup is idempotent and the chain is flushed before its rules go in, so
      // the batch is correct whether the table is new, complete, or was deleted by hand meanwhile.
      await this.run(['-f', '-'], [...this.setup(), `add element inet ${this.table} ${setName(rule.family)} ${item}`, ''].join('\n'));
      this.active.set(id, rule);
    });
  }

  off(id: string): Promise<void> {
    return this.serial(async () => {
      const rule = this.active.get(id);
      if (!rule) return;
      await this.run(['delete', 'element', 'inet', this.table, setName(rule.family), element(rule)]).catch((error: unknown) => {
        if (!absent(error)) throw error; // already gone: the goal is met
      });
      this.active.delete(id);
    });
  }

  /**
   * Removes every black hole of this instance by deleting its table. Never rejects (it runs while
   * the app closes): a table that could not be deleted is reaped at the next start of any instance.
   */
  offAll(): Promise<void> {
    return this.serial(async () => {
      if (this.tableMayExist) await this.run(['delete', 'table', 'inet', this.table]).catch(() => {});
      this.tableMayExist = false;
      this.active.clear();
    });
  }

  /** Deletes the tables of instances that died without cleaning up; returns the black holes they held. */
  recoverLeftovers(): Promise<BlackholeRule[]> {
    return this.serial(async () => {
      let listing: NftJson;
      try {
        listing = JSON.parse(await this.run(['-j', 'list', 'tables'])) as NftJson;
      } catch (error) {
        // Without nft or CAP_NET_ADMIN this instance could neither see nor remove a table;
        // black-holing itself reports the cause when someone asks for it.
        const code = (error as { code?: string }).code;
        if (code === 'ENOENT' || code === 'EPERM') return [];
        throw error;
      }
      const removed: BlackholeRule[] = [];
      for (const entry of listing.nftables ?? []) {
        const name = entry.table?.family === 'inet' ? entry.table.name : '';
        const match = TABLE_NAME.exec(name);
        if (!match || name === this.table) continue;
        const owner: TableOwner = { pid: Number(match[1]), startTime: Number(match[2]), pidNs: Number(match[3]) };
        if (owner.pidNs !== this.owner.pidNs || ownerAlive(owner)) continue;
        removed.push(...(await this.reap(name)));
      }
      return removed;
    });
  }

  /** A dead owner's table: what it held, then the table itself. Another instance may reap it first. */
  private async reap(table: string): Promise<BlackholeRule[]> {
    try {
      const held = rulesIn(JSON.parse(await this.run(['-j', 'list', 'table', 'inet', table])) as NftJson);
      await this.run(['delete', 'table', 'inet', table]);
      return held;
    } catch (error) {
      if (absent(error)) return [];
      throw error;
    }
  }

  private setup(): string[] {
    const t = `inet ${this.table}`;
    return [
      `add table ${t}`,
      `add set ${t} v4 { type ipv4_addr . inet_service . ipv4_addr . inet_service; }`,
      `add set ${t} v6 { type ipv6_addr . inet_service . ipv6_addr . inet_service; }`,
      `add chain ${t} input { type filter hook input priority filter; policy accept; }`,
      `flush chain ${t} input`,
      `add rule ${t} input ip saddr . tcp sport . ip daddr . tcp dport @v4 drop`,
      `add rule ${t} input ip6 saddr . tcp sport . ip6 daddr . tcp dport @v6 drop`,
    ];
  }
}

function rulesIn(listing: NftJson): BlackholeRule[] {
  const rules: BlackholeRule[] = [];
  for (const entry of listing.nftables ?? []) {
    const family = entry.set?.name === 'v4' ? 4 : entry.set?.name === 'v6' ? 6 : null;
    if (!family) continue;
    for (const item of entry.set?.elem ?? []) {
      const [from, sport, to, dport] = item.concat ?? [];
      rules.push({ family, from: String(from), to: String(to), sport: Number(sport), dport: Number(dport) });
    }
  }
  return rules;
}
