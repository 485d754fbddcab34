/**
 * Named network namespaces for one layout, under the private /run/netns the
 * isolation wrapper mounted: `ip netns add` (a bind mount that keeps the
 * namespace alive with no process in it, as a container runtime's netns file
 * does) and loopback up, so holders can connect inside. deleteAll() removes
 * every one this object created, whatever failed on the way.
 */
import { spawnSync } from 'node:child_process';

// The names say whose they are, should one ever be seen outside the run.
const PREFIX = 'ka-bench-ns-';

function ip(args: readonly string[]): void {
  const out = spawnSync('ip', args, { encoding: 'utf8', timeout: 30_000 });
  if (out.error) throw out.error;
  if (out.status !== 0) throw new Error(`ip ${args.join(' ')} exited ${out.status}: ${out.stderr.trim()}`);
}

export class NamedNamespaces {
  private readonly created: string[] = [];

  get names(): readonly string[] {
    return this.created;
  }

  /** Adds `count` namespaces named PREFIX + tag + index, loopback up in each. */
  add(tag: string, count: number): string[] {
    const added: string[] = [];
    for (let i = 0; i < count; i++) {
      const name = `${PREFIX}${tag}${i}`;
      ip(['netns', 'add', name]);
      this.created.push(name);
      ip(['-n', name, 'link', 'set', 'lo', 'up']);
      added.push(name);
    }
    return added;
  }

  /** Deletes every namespace created here; the first failure is thrown after trying them all. */
  deleteAll(): void {
    let first: Error | null = null;
    for (const name of this.created.splice(0)) {
      try {
        ip(['netns', 'delete', name]);
      } catch (error) {
        first ??= error as Error;
      }
    }
    if (first) throw first;
  }
}

export const netnsPath = (name: string): string => `/run/netns/${name}`;
