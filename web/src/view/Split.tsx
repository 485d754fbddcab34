// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/**
 * The table above, the panels below, and the bar between them: drag it, or
 * focus it and use ↑ ↓ (PgUp PgDn for big steps, Home End for the limits).
 * The table's share of the height is kept across reloads.
 */
import { useRef, type KeyboardEvent, type PointerEvent, type ReactNode } from 'react';

import { useStoredSetting } from './stored-setting.js';

/** Table share of the split's height, percent. The default gives the table ≥ 20 rows at 1440×900. */
export const DEFAULT_TABLE_PERCENT = 85;
const MIN_PERCENT = 20;
const MAX_PERCENT = 95;
const STEP_PERCENT = 2;
const PAGE_PERCENT = 10;

const clamp = (percent: number): number => Math.min(MAX_PERCENT, Math.max(MIN_PERCENT, Math.round(percent)));

function parsePercent(text: string): number | null {
  const value = Number(text);
  return Number.isFinite(value) ? clamp(value) : null;
}

export function Split({ top, bottom, bottomExpanded }: { top: ReactNode; bottom: ReactNode; bottomExpanded: boolean }) {
  const [percent, setPercent] = useStoredSetting('tablePercent', DEFAULT_TABLE_PERCENT, parsePercent);
  const box = useRef<HTMLDivElement>(null);
  const dragging = useRef(false);

  const percentAt = (clientY: number): number => {
    const rect = box.current?.getBoundingClientRect();
    if (!rect || rect.height <= 0) return percent;
    return clamp(((clientY - rect.top) / rect.height) * 100);
  };
  const onPointerDown = (event: PointerEvent<HTMLDivElement>): void => {
    event.preventDefault();
    event.currentTarget.setPointerCapture(event.pointerId);
    dragging.current = true;
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>): void => {
    if (dragging.current) setPercent(percentAt(event.clientY));
  };
  const onPointerUp = (event: PointerEvent<HTMLDivElement>): void => {
    dragging.current = false;
    event.currentTarget.releasePointerCapture(event.pointerId);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const moves: Record<string, number> = { ArrowUp: -STEP_PERCENT, ArrowDown: STEP_PERCENT, PageUp: -PAGE_PERCENT, PageDown: PAGE_PERCENT, Home: -100, End: 100 };
    const move = moves[event.key];
    if (move === undefined) return;
    event.preventDefault();
    setPercent(clamp(percent + move));
  };

  return (
    <div className={`split ${bottomExpanded ? '' : 'split-collapsed'}`} ref={box}>
      <div className="split-top" style={bottomExpanded ? { flexBasis: `${percent}%` } : undefined}>
        {top}
      </div>
      {bottomExpanded && (
        <div
          className="splitter"
          role="separator"
          aria-orientation="horizontal"
          aria-label="Resize the table and the panels"
          aria-valuemin={MIN_PERCENT}
          aria-valuemax={MAX_PERCENT}
          aria-valuenow={percent}
          aria-valuetext={`table ${percent}% of the height`}
          tabIndex={0}
          data-testid="splitter"
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerCancel={onPointerUp}
          onKeyDown={onKeyDown}
        />
      )}
      <div className="split-bottom">{bottom}</div>
    </div>
  );
}
