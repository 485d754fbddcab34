// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/**
 * The page: header, filter bar, and the table over the Host / Lab / Events /
 * Capture tabs (a resizable split; the tabs collapse), with the detail beside
 * the table — or, at ≤ 900 px, in a drawer over it.
 */
import { useEffect, useState } from 'react';

import { CaptureBanner, CapturePanel } from './CapturePanel.js';
import { CollapseButton, useExpanded } from './Collapsible.js';
import { useEnv, useModelState } from './context.js';
import { DetailPanel } from './DetailPanel.js';
import { Drawer } from './Drawer.js';
import { EventLog } from './EventLog.js';
import { FilterBar, Totals, ViewActions } from './FilterBar.js';
import { TableOrGroups } from './GroupTable.js';
import { HostPanel } from './HostPanel.js';
import { LabPanel } from './LabPanel.js';
import { SessionEnded } from './SessionEnded.js';
import { Split } from './Split.js';
import { StatusBar } from './StatusBar.js';

const TABS = ['Host', 'Lab', 'Events', 'Capture'] as const;
type Tab = (typeof TABS)[number];

export function App() {
  const { model } = useEnv();
  const selected = useModelState((s) => s.selection !== null);
  // Lost the live link (and not showing a capture): rows and countdowns are the last received, not now.
  const stale = useModelState((s) => s.capture === null && s.link.lostAt !== null);
  // Refused by the server: whatever the table holds is not this host now either.
  const refused = useModelState((s) => s.capture === null && s.link.unauthorized);
  const eventCount = useModelState((s) => s.events.all.length);
  const [tab, setTab] = useState<Tab>('Host');
  const [panelsExpanded, setPanelsExpanded] = useExpanded('panels');
  const [detailExpanded, setDetailExpanded] = useExpanded('detail');

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape' && model.getState().selection) {
        event.preventDefault();
        model.select(null);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [model]);

  const panels = (
    <section className="tabs" aria-label="Host, lab, events and captures">
      <div className="tabs-head">
        <div role="tablist" aria-label="Panels">
          {TABS.map((t) => (
            <button
              key={t}
              type="button"
              role="tab"
              id={`tab-${t}`}
              aria-selected={tab === t}
              aria-controls="panels-body"
              tabIndex={tab === t ? 0 : -1}
              onClick={() => {
                setTab(t);
                // A tab of a collapsed panel is asked for: show it.
                if (!panelsExpanded) setPanelsExpanded(true);
              }}
              onKeyDown={(e) => {
                const i = TABS.indexOf(t);
                if (e.key === 'ArrowRight') setTab(TABS[(i + 1) % TABS.length] ?? 'Host');
                if (e.key === 'ArrowLeft') setTab(TABS[(i + TABS.length - 1) % TABS.length] ?? 'Host');
              }}
            >
              {t}
              {t === 'Events' && eventCount > 0 ? ` (${eventCount})` : ''}
            </button>
          ))}
        </div>
        <CollapseButton expanded={panelsExpanded} onToggle={setPanelsExpanded} controls="panels-body" name="the host, lab, events and capture panels" />
      </div>
      <div role="tabpanel" id="panels-body" aria-labelledby={`tab-${tab}`} className="tabpanel" hidden={!panelsExpanded}>
        {tab === 'Host' && <HostPanel />}
        {tab === 'Lab' && <LabPanel />}
        {tab === 'Events' && <EventLog />}
        {tab === 'Capture' && <CapturePanel />}
      </div>
    </section>
  );
  const classes = ['app', selected ? 'with-detail' : '', selected && !detailExpanded ? 'detail-collapsed' : '', stale ? 'stale' : '', refused ? 'refused' : ''];

  return (
    <div className={classes.filter(Boolean).join(' ')}>
      <StatusBar />
      <main className="main">
        <FilterBar />
        <div className="table-bar">
          <Totals />
          <ViewActions />
        </div>
        <CaptureBanner />
        <div className="work">
          <Split top={<TableOrGroups />} bottom={panels} bottomExpanded={panelsExpanded} />
          <SessionEnded />
        </div>
      </main>
      {selected && (
        <div className="detail-toggle">
          <CollapseButton expanded={detailExpanded} onToggle={setDetailExpanded} controls="detail" name="the connection detail" folds="right" />
        </div>
      )}
      <Drawer open={selected} onClose={() => model.select(null)}>
        <DetailPanel />
      </Drawer>
    </div>
  );
}
