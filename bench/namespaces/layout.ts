/**
 * One layout of the bench: N named namespaces with the same number of idle
 * loopback pairs in each, held by child processes started inside (one
 * HolderFleet per namespace, so a namespace of 25,000 pairs gets several
 * holders of ≤ 9,000 pairs and one of 500 gets one). stop() ends every
 * holder and deletes every namespace, even after a failed start.
 */
import { HolderFleet, type HolderReady } from '../holders/fleet.js';
import { NamedNamespaces, netnsPath } from './netns.js';

// As the scale bench: every 5th pair's client with keepalive on is a tenth of all sockets.
const KEEPALIVE_EVERY_NTH_PAIR = 5;
// Holders starting at once: each is a Node start-up (~0.5 s of CPU); more only queue on the two cores.
const START_CONCURRENCY = 4;

export interface LayoutSpec {
  /** 'A' or 'B': goes into the namespaces' names. */
  tag: string;
  namespaceCount: number;
  pairsPerNamespace: number;
}

export class Layout {
  private readonly namespaces = new NamedNamespaces();
  private readonly fleets: HolderFleet[] = [];
  private stopping = false;

  constructor(readonly spec: LayoutSpec) {}

  get names(): readonly string[] {
    return this.namespaces.names;
  }

  get holders(): HolderReady[] {
    return this.fleets.flatMap((f) => f.holders);
  }

  /** Creates the namespaces, then fills each; resolves when every pair is connected. */
  async start(): Promise<void> {
    const names = this.namespaces.add(this.spec.tag.toLowerCase(), this.spec.namespaceCount);
    for (const name of names) this.fleets.push(new HolderFleet(['--keepalive-every', String(KEEPALIVE_EVERY_NTH_PAIR)], netnsPath(name)));
    let next = 0;
    const worker = async (): Promise<void> => {
      // A failed start leads to stop(): no worker may start a holder after it.
      while (!this.stopping && next < this.fleets.length) await (this.fleets[next++] as HolderFleet).growTo(this.spec.pairsPerNamespace);
    };
    await Promise.all(Array.from({ length: Math.min(START_CONCURRENCY, this.fleets.length) }, worker));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.fleets.map((f) => f.stop()));
    this.fleets.length = 0;
    this.namespaces.deleteAll();
  }

  /** Synchronous last resort for process 'exit'; the namespaces go with the wrapper's mount namespace. */
  killNow(): void {
    for (const fleet of this.fleets) fleet.killNow();
  }
}
