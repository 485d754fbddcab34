// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/**
 * At ≤ 900 px there is no room beside the table, so the detail slides over it
 * as a drawer (fixed, inside the viewport; × or Esc closes it). The CSS does
 * the placing; this adds the backdrop and moves the focus into the drawer as
 * it opens, so a keyboard user lands in it rather than behind it.
 */
import { useEffect, useSyncExternalStore, type ReactNode } from 'react';

export const NARROW_QUERY = '(max-width: 900px)';

function subscribeNarrow(onChange: () => void): () => void {
  const query = window.matchMedia(NARROW_QUERY);
  query.addEventListener('change', onChange);
  return () => query.removeEventListener('change', onChange);
}

/** True while the viewport is at most 900 px wide. */
export function useNarrow(): boolean {
  return useSyncExternalStore(
    subscribeNarrow,
    () => window.matchMedia(NARROW_QUERY).matches,
    () => false,
  );
}

export function Drawer({ open, onClose, children }: { open: boolean; onClose: () => void; children: ReactNode }) {
  const narrow = useNarrow();
  useEffect(() => {
    if (!open || !narrow) return;
    // The detail's own close button: focusable, and Enter on it undoes the open.
    document.querySelector<HTMLButtonElement>('.detail .detail-head .close')?.focus({ preventScroll: true });
  }, [open, narrow]);
  return (
    <>
      {open && narrow && <div className="drawer-backdrop" aria-hidden="true" data-testid="drawer-backdrop" onClick={onClose} />}
      {children}
    </>
  );
}
