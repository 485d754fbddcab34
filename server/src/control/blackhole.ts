/**
 * Black-holing a lab peer: its replies vanish, so keepalive probes go
 * unanswered and the kernel eventually declares the peer dead — a pulled
 * cable on one machine.
 *
 * How (iproute2 alone): a policy-routing rule per connection,
 *   ip rule add pref 0 from PEER to LOCAL ipproto tcp sport PP dport LP protocol 107 blackhole
 * which drops the peer's segments at their route lookup (output for a local
 * peer, input for a remote one). Why not tc: this kernel (and many minimal
 * ones) has no act_gact drop action, no netem and no flower classifier, so
 * `tc … action drop` and `netem loss 100%` fail; nor a network namespace: a
 * lab connection may go to any loopback service, which cannot be moved into one.
 * Rule lookups start with `pref 0 lookup local`, which would deliver loopback
 * traffic before our rule is consulted, so while any black hole is on, the
 * local rule moves to pref 1 (added there first, then removed at 0: there is
 * no moment without it) and moves back when the last one goes.
 * Every rule we add carries `protocol 107` ("k"), and each server records its
 * rules in a state file named by its pid, so leftovers of a crashed run are
 * found and removed at the next start.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const RULE_PROTOCOL = '107';

export interface BlackholeRule {
  family: 4 | 6;
  from: string;
  to: string;
  sport: number;
  dport: number;
}

export type RunIp = (args: string[]) => Promise<string>;

export const runIp: RunIp = (args) =>
  new Promise((resolve, reject) => {
    execFile('ip', args, { timeout: 5000 }, (error, stdout, stderr) => {
      if (error) {
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        const message = missing ? 'the `ip` command is missing (Debian package iproute2)' : `ip ${args.join(' ')}: ${stderr.trim() || error.message}`;
        const code = /Operation not permitted/i.test(stderr) ? 'EPERM' : missing ? 'ENOENT' : 'EIO';
        reject(Object.assign(new Error(code === 'EPERM' ? `black-holing needs CAP_NET_ADMIN (${message})` : message), { code }));
      } else resolve(stdout);
    });
  });

interface JsonRule {
  priority: number;
  src?: string;
  dst?: string;
  ipproto?: string;
  sport?: number;
  dport?: number;
  action?: string;
  table?: string;
  protocol?: string;
}

const familyFlag = (family: 4 | 6): string => (family === 6 ? '-6' : '-4');

/** v4-mapped IPv6 endpoints travel as IPv4 on the wire: match them as IPv4. */
export function ruleFor(local: { address: string; port: number }, peer: { address: string; port: number }): BlackholeRule {
  const unmap = (a: string): string => a.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1').replace(/%.*$/, '');
  const from = unmap(peer.address);
  const to = unmap(local.address);
  return { family: from.includes(':') ? 6 : 4, from, to, sport: peer.port, dport: local.port };
}

function selector(rule: BlackholeRule): string[] {
  return ['from', rule.from, 'to', rule.to, 'ipproto', 'tcp', 'sport', String(rule.sport), 'dport', String(rule.dport)];
}

export class Blackholes {
  private readonly active = new Map<string, BlackholeRule>();
  private readonly stateFile: string;
  // Rule edits read the table and then change it: one at a time.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly stateDir: string,
    private readonly run: RunIp = runIp,
    private readonly pid: number = process.pid,
  ) {
    this.stateFile = join(stateDir, `blackholes-${pid}.json`);
  }

  isOn(id: string): boolean {
    return this.active.has(id);
  }

  list(): string[] {
    return [...this.active.keys()];
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }

  on(id: string, rule: BlackholeRule): Promise<void> {
    return this.serial(() => this.doOn(id, rule));
  }

  off(id: string): Promise<void> {
    return this.serial(() => this.doOff(id));
  }

  private async doOn(id: string, rule: BlackholeRule): Promise<void> {
    if (this.active.has(id)) return;
    // Recorded before the rule exists, so a crash in between still leaves a trace to clean.
    this.active.set(id, rule);
    this.save();
    try {
      await this.run([familyFlag(rule.family), 'rule', 'add', 'pref', '0', ...selector(rule), 'protocol', RULE_PROTOCOL, 'blackhole']);
      await this.moveLocalAside(rule.family);
    } catch (error) {
      this.active.delete(id);
      await this.deleteRule(rule).catch(() => {});
      this.save();
      throw error;
    }
  }

  private async doOff(id: string): Promise<void> {
    const rule = this.active.get(id);
    if (!rule) return;
    await this.deleteRule(rule);
    this.active.delete(id);
    this.save();
    await this.restoreLocalIfUnused(rule.family);
  }

  async offAll(): Promise<void> {
    for (const id of [...this.active.keys()]) await this.off(id).catch(() => {});
  }

  /** Removes the rules of servers that died without cleaning up; returns what was removed. */
  recoverLeftovers(isAlive: (pid: number) => boolean = pidAlive): Promise<BlackholeRule[]> {
    return this.serial(() => this.doRecover(isAlive));
  }

  private async doRecover(isAlive: (pid: number) => boolean): Promise<BlackholeRule[]> {
    const removed: BlackholeRule[] = [];
    let files: string[];
    try {
      files = readdirSync(this.stateDir).filter((f) => /^blackholes-\d+\.json$/.test(f));
    } catch {
      return removed;
    }
    for (const file of files) {
      const pid = Number(/\d+/.exec(file)?.[0]);
      if (pid !== this.pid && isAlive(pid)) continue;
      let rules: BlackholeRule[] = [];
      try {
        rules = Object.values(JSON.parse(readFileSync(join(this.stateDir, file), 'utf8')) as Record<string, BlackholeRule>);
      } catch {
        // unreadable: nothing to act on
      }
      for (const rule of rules) {
        await this.deleteRule(rule).catch(() => {});
        removed.push(rule);
      }
      rmSync(join(this.stateDir, file), { force: true });
    }
    for (const family of [4, 6] as const) await this.restoreLocalIfUnused(family).catch(() => {});
    return removed;
  }

  private async deleteRule(rule: BlackholeRule): Promise<void> {
    // Deleting a rule that is not there fails; the goal (it is gone) is met either way.
    const rules = await this.rules(rule.family);
    const present = rules.some((r) => r.action === 'blackhole' && r.src === rule.from && r.dst === rule.to && r.sport === rule.sport && r.dport === rule.dport);
    if (present) await this.run([familyFlag(rule.family), 'rule', 'del', 'pref', '0', ...selector(rule), 'protocol', RULE_PROTOCOL, 'blackhole']);
  }

  private async rules(family: 4 | 6): Promise<JsonRule[]> {
    return JSON.parse((await this.run([familyFlag(family), '-j', 'rule', 'show'])) || '[]') as JsonRule[];
  }

  private async moveLocalAside(family: 4 | 6): Promise<void> {
    const rules = await this.rules(family);
    const localAtZero = rules.some((r) => r.priority === 0 && r.table === 'local' && !r.action);
    if (!localAtZero) return;
    const movedAlready = rules.some((r) => r.priority === 1 && r.table === 'local' && r.protocol === RULE_PROTOCOL);
    if (!movedAlready) await this.run([familyFlag(family), 'rule', 'add', 'pref', '1', 'lookup', 'local', 'protocol', RULE_PROTOCOL]);
    await this.run([familyFlag(family), 'rule', 'del', 'pref', '0', 'table', 'local']);
  }

  private async restoreLocalIfUnused(family: 4 | 6): Promise<void> {
    const rules = await this.rules(family);
    if (rules.some((r) => r.action === 'blackhole' && r.protocol === RULE_PROTOCOL)) return;
    const moved = rules.some((r) => r.priority === 1 && r.table === 'local' && r.protocol === RULE_PROTOCOL);
    if (!moved) return;
    if (!rules.some((r) => r.priority === 0 && r.table === 'local')) await this.run([familyFlag(family), 'rule', 'add', 'pref', '0', 'lookup', 'local']);
    await this.run([familyFlag(family), 'rule', 'del', 'pref', '1', 'table', 'local', 'protocol', RULE_PROTOCOL]);
  }

  private save(): void {
    mkdirSync(this.stateDir, { recursive: true });
    if (this.active.size === 0) rmSync(this.stateFile, { force: true });
    else writeFileSync(this.stateFile, JSON.stringify(Object.fromEntries(this.active)));
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
