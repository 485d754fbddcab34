/**
 * Which connections have their keepalive probes captured on the wire, and the
 * captures doing it (one ProbeWire per namespace and interface): the ones a
 * stream client selected, every lab connection, and those in the probe phase,
 * most urgent first, at most MAX_WATCHED (each capture's cBPF filter holds a
 * few dozen ports). Captures open and close as that set changes: none runs
 * while nothing is watched. Without CAP_NET_RAW nothing is opened; the
 * timeline says so and the namespace's kernel counters stand in.
 */
import type { NativeApi, NetnsTarget } from '@keepalive-dashboard/native';
import { inProbePhase, PROBE_TIMELINE_MAX, type ConnectionView, type ErrorBody, type ProbeTimeline } from '@keepalive-dashboard/shared';

import { ApiError, fromSystemError } from '../errors.js';
import type { NamespaceRegistry } from '../namespaces/registry.js';
import { tupleKey, type FourTuple } from './tuple.js';
import { ipRouteLookup, isLoopbackPeer, LOOPBACK, type Interface, type RouteLookup } from './watch-route.js';
import { ProbeWire } from './wire-watch.js';

export const MAX_WATCHED = 32;

const NO_NET_RAW: ErrorBody = { code: 'KA_ERR_PERMISSION', message: "probes on the wire need CAP_NET_RAW; the kernel's counters are shown instead" };
const NO_ADDON: ErrorBody = { code: 'KA_ERR_UNAVAILABLE', message: "probes on the wire need the native addon; the kernel's counters are shown instead" };
/** The client namespace of a middlebox lab (control/middlebox/topology.ts names them): its connections are lab connections. */
const MIDDLEBOX_CLIENT = /^ka-mb-.*-client$/;
/** Only these states send keepalive probes (a selected row is watched in any state but LISTEN). */
const PROBING_STATES = new Set(['ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT1', 'FIN_WAIT2']);

export interface ProbeWatchOptions {
  /** Null when the addon is not loaded. */
  native: Pick<NativeApi, 'openPacketCapture'> | null;
  netRaw: boolean;
  namespaces: Pick<NamespaceRegistry, 'ownInode' | 'targets'>;
  /** The store's rows now, and one by id. */
  views: () => Iterable<ConnectionView>;
  view: (id: string) => ConnectionView | undefined;
  route?: RouteLookup;
  maxWatched?: number;
  /** ProbeWire's drain period. */
  pollMs?: number;
}

interface Watched {
  tuple: FourTuple;
  wireKey: string | null;
  iface: Interface | null;
  error: ErrorBody | null;
}

interface Capture {
  wire: ProbeWire;
  users: number;
}

export interface ProbeWatchStatus {
  watched: number;
  /** Packet captures open now (one per namespace and interface in use). */
  captures: number;
}

const tupleOf = (view: ConnectionView): FourTuple => ({ local: view.local.address, localPort: view.local.port, peer: view.peer.address, peerPort: view.peer.port });

export class ProbeWatch {
  /** Stream client → the connection it selected. */
  private readonly selections = new Map<object, string>();
  private readonly watched = new Map<string, Watched>();
  private readonly captures = new Map<string, Capture>();
  private readonly route: RouteLookup;
  private closed = false;

  constructor(private readonly options: ProbeWatchOptions) {
    this.route = options.route ?? ipRouteLookup;
  }

  /** A stream client selected a connection (null: deselected, or gone). The watched set follows at once. */
  select(owner: object, id: string | null): void {
    if (id === null) this.selections.delete(owner);
    else this.selections.set(owner, id);
    this.update();
  }

  /** Re-ranks the connections worth watching (after each store step, and each select) and opens or closes captures to match. */
  update(): void {
    if (this.closed) return;
    const want = this.wanted();
    for (const [id, entry] of this.watched) {
      const view = want.get(id);
      if (!view || tupleKey(tupleOf(view)) !== tupleKey(entry.tuple)) this.stop(id);
    }
    for (const [id, view] of want) if (!this.watched.has(id)) this.start(id, view);
  }

  timeline(id: string): ProbeTimeline {
    const entry = this.watched.get(id);
    if (!entry) return { id, watched: false, capturing: false, interface: null, error: null, probes: [] };
    const capture = entry.wireKey === null ? undefined : this.captures.get(entry.wireKey);
    capture?.wire.poll(); // what the kernel queued since the last drain
    const status = capture?.wire.status();
    const probes = (capture?.wire.timeline(entry.tuple) ?? []).slice(-PROBE_TIMELINE_MAX).map((p) => ({ ...p }));
    const error = entry.error ?? (status && !status.capturing ? status.error : null);
    return { id, watched: true, capturing: status?.capturing ?? false, interface: entry.iface?.name ?? null, error, probes };
  }

  status(): ProbeWatchStatus {
    return { watched: this.watched.size, captures: this.captures.size };
  }

  close(): void {
    this.closed = true;
    for (const id of [...this.watched.keys()]) this.stop(id);
    this.selections.clear();
  }

  /** Selected first, then lab connections, then probing ones with the most probes out. */
  private wanted(): Map<string, ConnectionView> {
    const max = this.options.maxWatched ?? MAX_WATCHED;
    const selected = new Set(this.selections.values());
    const ranked: ConnectionView[] = [];
    for (const id of selected) {
      const view = this.options.view(id);
      if (view && view.state !== 'LISTEN') ranked.push(view);
    }
    const lab: ConnectionView[] = [];
    const probing: ConnectionView[] = [];
    for (const view of this.options.views()) {
      if (selected.has(view.id) || !PROBING_STATES.has(view.state)) continue;
      if (view.labId !== null || MIDDLEBOX_CLIENT.test(view.netns?.label ?? '')) lab.push(view);
      else if (inProbePhase(view)) probing.push(view);
    }
    probing.sort((a, b) => (b.derived?.probesOut ?? b.timer.count) - (a.derived?.probesOut ?? a.timer.count));
    ranked.push(...lab, ...probing);
    return new Map(ranked.slice(0, max).map((v) => [v.id, v]));
  }

  private start(id: string, view: ConnectionView): void {
    const entry: Watched = { tuple: tupleOf(view), wireKey: null, iface: null, error: null };
    this.watched.set(id, entry);
    const native = this.options.native;
    if (!native) return void (entry.error = NO_ADDON);
    if (!this.options.netRaw) return void (entry.error = NO_NET_RAW);
    const inode = view.netns?.inode ?? this.options.namespaces.ownInode;
    let netns: NetnsTarget | undefined;
    if (inode !== this.options.namespaces.ownInode) {
      netns = this.options.namespaces.targets(inode)?.[0];
      if (!netns) return void (entry.error = new ApiError('KA_ERR_UNAVAILABLE', `network namespace ${view.netns?.label ?? inode} cannot be reached`).toBody());
    }
    const attach = (iface: Interface): void => {
      if (this.watched.get(id) !== entry) return; // stopped while its route was looked up
      const wireKey = `${inode}/${iface.ifindex}`;
      let capture = this.captures.get(wireKey);
      if (!capture) {
        capture = { wire: new ProbeWire({ native, ifindex: iface.ifindex, ...(netns ? { netns } : {}), ...(this.options.pollMs !== undefined ? { pollMs: this.options.pollMs } : {}) }), users: 0 };
        this.captures.set(wireKey, capture);
      }
      capture.users += 1;
      Object.assign(entry, { wireKey, iface });
      capture.wire.watch(entry.tuple);
    };
    // Loopback at once (no lookup): a selected lab pair's first probes are not missed.
    if (isLoopbackPeer(view.local.address, view.peer.address)) return attach(LOOPBACK);
    this.route(view.peer.address, netns).then(attach, (error: unknown) => {
      if (this.watched.get(id) === entry) entry.error = fromSystemError(error, 'route lookup').toBody();
    });
  }

  private stop(id: string): void {
    const entry = this.watched.get(id);
    this.watched.delete(id);
    if (!entry || entry.wireKey === null) return;
    const capture = this.captures.get(entry.wireKey);
    if (!capture) return;
    capture.wire.unwatch(entry.tuple);
    capture.users -= 1;
    if (capture.users === 0) {
      capture.wire.close();
      this.captures.delete(entry.wireKey);
    }
  }
}
