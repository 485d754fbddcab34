// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/**
 * A watched connection's keepalive probes as seen on the wire: a strip with
 * one mark per probe (answered ✓ / unanswered ✗ — shape, not only colour),
 * and the list of the latest with when each went out and how long its ACK
 * took. Without CAP_NET_RAW nothing is captured: the namespace's kernel
 * counters are what is left to show.
 */
import type { ConnectionView, KernelKeepaliveCounters, ProbeTimeline, WireProbe } from '@keepalive-dashboard/shared';

import { useModelState, useNamespaces } from './context.js';
import { clockTime, errorText } from './format.js';

/** Probes listed in words (the strip shows every one the timeline carries). */
const PROBES_LISTED = 10;

/** "0.20 probes/s": rates of a few a minute need two decimals to read as more than nothing. */
export function perSecText(perSec: number, noun: string): string {
  return `${perSec < 10 ? perSec.toFixed(2) : perSec.toFixed(1)} ${noun}/s`;
}

/** Capture timestamps are sub-millisecond, and an ACK over a veth comes back in a tenth of one: a tenth below 10 ms, whole ms above. */
export function answerText(probe: WireProbe): string {
  if (probe.answeredAt === null) return 'unanswered';
  const ms = Math.max(0, probe.answeredAt - probe.sentAt);
  return `answered after ${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

function CountersText({ counters }: { counters: KernelKeepaliveCounters | null | undefined }) {
  if (!counters) return <span className="muted">the kernel counters of its namespace are not readable</span>;
  return (
    <span data-testid="probe-counters">
      kernel: {perSecText(counters.probesPerSec, 'probes')} · {perSecText(counters.abortsPerSec, 'aborts')}
    </span>
  );
}

/** The timeline itself, from what the server sent (a view of data, testable without a model). */
export function ProbeTimelineView({ timeline, counters }: { timeline: ProbeTimeline; counters: KernelKeepaliveCounters | null | undefined }) {
  if (timeline.error?.code === 'KA_ERR_PERMISSION') {
    return (
      <section aria-label="Probes on the wire" className="probes" data-testid="probe-timeline">
        <h3>Probes on the wire</h3>
        <p className="missing">probes on the wire need CAP_NET_RAW; the kernel&apos;s counters are shown instead</p>
        <p>
          <CountersText counters={counters} />
        </p>
      </section>
    );
  }
  const newestFirst = [...timeline.probes].reverse().slice(0, PROBES_LISTED);
  return (
    <section aria-label="Probes on the wire" className="probes" data-testid="probe-timeline">
      <h3>
        Probes on the wire {timeline.interface && <span className="muted">({timeline.interface})</span>}
      </h3>
      {timeline.error && <p className="server-error">{errorText(timeline.error)}</p>}
      {timeline.probes.length === 0 ? (
        <p className="muted">{timeline.capturing ? 'no keepalive probe seen yet' : timeline.watched ? 'not captured' : 'not watched'}</p>
      ) : (
        <>
          <ol className="probe-strip" aria-label="Probes, oldest first">
            {timeline.probes.map((p) => (
              <li key={`${p.by}-${p.sentAt}`} className={p.answeredAt === null ? 'probe-unanswered' : 'probe-answered'} title={`${clockTime(p.sentAt)} ${answerText(p)}`}>
                {p.answeredAt === null ? '✗' : '✓'}
              </li>
            ))}
          </ol>
          <ul className="probe-list" data-testid="probe-list">
            {newestFirst.map((p) => (
              <li key={`${p.by}-${p.sentAt}`} className={p.answeredAt === null ? 'probe-unanswered' : 'probe-answered'}>
                {clockTime(p.sentAt)} {p.by === 'local' ? 'sent' : 'from the peer'}: {answerText(p)}
              </li>
            ))}
          </ul>
        </>
      )}
      <p className="muted">
        <CountersText counters={counters} />
      </p>
    </section>
  );
}

/** The selected connection's timeline, with its namespace's counters; nothing until a detail frame carries one. */
export function SelectedProbeTimeline({ view }: { view: ConnectionView }) {
  const timeline = useModelState((s) => (s.selection?.id === view.id ? s.selection.probes : null));
  const inode = view.netns?.inode;
  const counters = useNamespaces((s) => (inode === undefined ? undefined : s.list?.find((ns) => ns.inode === inode)?.keepaliveCounters));
  if (!timeline || !timeline.watched) return null;
  return <ProbeTimelineView timeline={timeline} counters={counters} />;
}
