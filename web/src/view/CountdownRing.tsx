// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/**
 * The large countdown to the next probe: a ring that empties as the timer
 * runs and visibly snaps back (with a flash) when the kernel re-arms it.
 * Written on the frame clock's tick (once a second), not by React: the arc
 * glides to each new second by a CSS transition, and jumps without one when
 * it grows (a re-arm), so nothing runs in script between ticks.
 */
import { useEffect, useRef } from 'react';
import { cycleMs, kernelTimerAt, nextProbeAt, probesAllowed, probesOut, remainingMs, type ConnectionView } from '@keepalive-dashboard/shared';

import { useEnv } from './context.js';
import { formatDuration, phaseLabel } from './format.js';

const R = 64;
const CIRCUMFERENCE = 2 * Math.PI * R;
// One tick's glide: linear, as the timer runs.
const GLIDE = 'stroke-dashoffset 1s linear';

export function CountdownRing({ view, rearms }: { view: ConnectionView; rearms: number }) {
  const { frames } = useEnv();
  const arc = useRef<SVGCircleElement>(null);
  const text = useRef<HTMLSpanElement>(null);
  const kernel = useRef<HTMLSpanElement>(null);
  const viewRef = useRef(view);
  viewRef.current = view;
  const lastFraction = useRef(0);

  useEffect(() => {
    const write = (now: number): void => {
      const v = viewRef.current;
      const left = remainingMs(nextProbeAt(v), now);
      const cycle = cycleMs(v);
      const fraction = left === null || !cycle ? 0 : Math.min(1, left / cycle);
      const el = arc.current;
      if (el) {
        el.style.transition = fraction > lastFraction.current ? 'none' : GLIDE;
        el.style.strokeDashoffset = String(CIRCUMFERENCE * (1 - fraction));
      }
      lastFraction.current = fraction;
      const label = left === null ? '—' : formatDuration(left);
      if (text.current && text.current.textContent !== label) text.current.textContent = label;
      const k = kernelTimerAt(v);
      const kLabel = k === null ? 'none' : `${v.timer.kind} ${formatDuration(remainingMs(k, now))}`;
      if (kernel.current && kernel.current.textContent !== kLabel) kernel.current.textContent = kLabel;
    };
    // Now, not at the next tick up to a second away: the ring would show empty until then.
    write(frames.now());
    return frames.add(write);
  }, [frames]);

  const out = probesOut(view) ?? 0;
  const allowed = probesAllowed(view);
  const phase = phaseLabel(view);
  let caption: string = phase;
  if (phase === 'idle') caption = 'first probe in';
  else if (phase === 'probing') caption = allowed !== null && out >= allowed ? 'declared dead in' : `probe ${out + 1} of ${allowed ?? '?'} in`;
  return (
    <div className={`countdown phase-${phase.split(':')[0]}`} data-testid="countdown">
      <div className="ring-wrap">
        <svg viewBox="0 0 160 160" width="160" height="160" role="img" aria-label="Time to the next keepalive probe">
          <circle className="ring-track" cx="80" cy="80" r={R} />
          <circle
            ref={arc}
            className="ring-arc"
            cx="80"
            cy="80"
            r={R}
            strokeDasharray={CIRCUMFERENCE}
            strokeDashoffset={CIRCUMFERENCE}
            transform="rotate(-90 80 80)"
          />
        </svg>
        {/* Remounted on every re-arm so its CSS animation plays again. */}
        {rearms > 0 && <div key={rearms} className="rearm-flash" aria-hidden="true" />}
        <div className="ring-center">
          <span className="ring-caption">{caption}</span>
          <span ref={text} className="ring-time" data-testid="countdown-time" aria-live="off">
            —
          </span>
        </div>
      </div>
      <div className="countdown-side">
        <div className="probe-pips" aria-label={`${out} of ${allowed ?? '?'} probes sent without answer`}>
          <span className="pips-label">
            probes {out} / {allowed ?? '?'}
          </span>
          <span className="pips">
            {Array.from({ length: Math.min(allowed ?? 0, 20) }, (_, i) => (
              <span key={i} className={i < out ? 'pip pip-sent' : 'pip'} />
            ))}
          </span>
        </div>
        <div className="kernel-timer">
          kernel timer (lazy): <span ref={kernel} data-testid="kernel-timer" />
        </div>
        <div className="rearms" data-testid="rearms">
          {rearms > 0 ? `re-armed ${rearms}× while watched` : 'not re-armed while watched'}
        </div>
      </div>
    </div>
  );
}
