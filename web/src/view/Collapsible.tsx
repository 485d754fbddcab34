// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/** A panel's collapse button (aria-expanded), its state kept across reloads. */
import { useStoredSetting, parseBoolean } from './stored-setting.js';

/** Whether the panel named `key` is expanded, and the setter; expanded unless the operator collapsed it. */
export function useExpanded(key: string): [boolean, (expanded: boolean) => void] {
  return useStoredSetting(`${key}.expanded`, true, parseBoolean);
}

/** Which way the panel folds away: a bottom panel down, a side panel to the right. */
const GLYPHS = { down: { expanded: '▾', collapsed: '▴' }, right: { expanded: '▸', collapsed: '◂' } } as const;

export function CollapseButton({
  expanded,
  onToggle,
  controls,
  name,
  folds = 'down',
}: {
  expanded: boolean;
  onToggle: (expanded: boolean) => void;
  controls: string;
  name: string;
  folds?: keyof typeof GLYPHS;
}) {
  return (
    <button
      type="button"
      className="collapse"
      aria-expanded={expanded}
      aria-controls={controls}
      aria-label={`${expanded ? 'Collapse' : 'Expand'} ${name}`}
      title={`${expanded ? 'Collapse' : 'Expand'} ${name}`}
      data-testid={`collapse-${controls}`}
      onClick={() => onToggle(!expanded)}
    >
      <span aria-hidden="true">{GLYPHS[folds][expanded ? 'expanded' : 'collapsed']}</span>
    </button>
  );
}
