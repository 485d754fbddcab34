// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/** Text that follows the server clock, written on the page's one tick a second (frame-clock.ts). */
import { useEffect, useRef, useState } from 'react';

import { useEnv } from './context.js';

interface LiveTextProps {
  /** Text for the given server time; a plain string, rendered as text. */
  compute: (serverNow: number) => string;
  className?: string;
  title?: string;
  'data-testid'?: string;
}

export function LiveText({ compute, className, title, ...rest }: LiveTextProps) {
  const { frames } = useEnv();
  const ref = useRef<HTMLSpanElement>(null);
  const computeRef = useRef(compute);
  computeRef.current = compute;
  useEffect(
    () =>
      frames.add((now) => {
        const el = ref.current;
        if (!el) return;
        const text = computeRef.current(now);
        if (el.textContent !== text) el.textContent = text;
      }),
    [frames],
  );
  return (
    <span ref={ref} className={className} title={title} data-testid={rest['data-testid']}>
      {compute(frames.now())}
    </span>
  );
}

/**
 * Re-renders the caller every `ms` (for row classes that change with time, not data), on the
 * frame clock's tick: in the same frame as the countdowns' text, so the two cost one layout, not two.
 */
export function useTick(ms: number): number {
  const { frames } = useEnv();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const everyTicks = Math.max(1, Math.round(ms / 1000));
    let ticks = 0;
    return frames.add(() => {
      ticks += 1;
      if (ticks % everyTicks === 0) setTick((t) => t + 1);
    });
  }, [frames, ms]);
  return tick;
}
