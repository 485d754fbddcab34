// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/**
 * The selected connection over the last minutes: probes outstanding, RTT and
 * time to the next probe. Animation off (a live chart that animates every
 * update never settles), the history is a fixed ring, the series memoized on it.
 */
import { memo, useMemo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

import type { DetailSample } from '../model/history.js';

interface Point {
  /** s relative to the newest sample (≤ 0). */
  x: number;
  next: number | null;
  rtt: number | null;
  probes: number | null;
}

export const Timeline = memo(function Timeline({ history }: { history: DetailSample[] }) {
  const data = useMemo<Point[]>(() => {
    const newest = history[history.length - 1]?.t ?? 0;
    return history.map((s) => ({
      x: Math.round((s.t - newest) / 100) / 10,
      next: s.nextProbeS === null ? null : Math.round(s.nextProbeS * 10) / 10,
      rtt: s.rttMs === null ? null : Math.round(s.rttMs * 100) / 100,
      probes: s.probesOut,
    }));
  }, [history]);
  if (data.length < 2) return <p className="muted">Collecting the timeline…</p>;
  return (
    <div className="timeline" data-testid="timeline">
      <ResponsiveContainer width="100%" height={190}>
        <LineChart data={data} margin={{ top: 6, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
          <XAxis dataKey="x" type="number" domain={['dataMin', 0]} unit=" s" tick={{ fontSize: 11 }} stroke="var(--muted)" />
          <YAxis yAxisId="s" tick={{ fontSize: 11 }} width={44} stroke="var(--muted)" unit="s" />
          <YAxis yAxisId="ms" orientation="right" tick={{ fontSize: 11 }} width={48} stroke="var(--muted)" unit="ms" />
          <YAxis yAxisId="n" hide allowDecimals={false} domain={[0, 'dataMax + 1']} />
          <Tooltip isAnimationActive={false} contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Line yAxisId="s" dataKey="next" name="next probe in (s)" stroke="var(--accent)" dot={false} isAnimationActive={false} connectNulls={false} />
          <Line yAxisId="ms" dataKey="rtt" name="RTT (ms)" stroke="var(--ok)" dot={false} isAnimationActive={false} />
          <Line yAxisId="n" dataKey="probes" name="probes out" type="stepAfter" stroke="var(--warn)" dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
});
