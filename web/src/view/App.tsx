// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/** The page: header, filter bar and table, detail panel, and the Host / Lab / Events / Capture tabs. */
import { useEffect, useState } from 'react';

import { CaptureBanner, CapturePanel } from './CapturePanel.js';
import { ConnectionTable } from './ConnectionTable.js';
import { useEnv, useModelState } from './context.js';
import { DetailPanel } from './DetailPanel.js';
import { EventLog } from './EventLog.js';
import { FilterBar, Totals } from './FilterBar.js';
import { HostPanel } from './HostPanel.js';
import { LabPanel } from './LabPanel.js';
import { StatusBar } from './StatusBar.js';

const TABS = ['Host', 'Lab', 'Events', 'Capture'] as const;
type Tab = (typeof TABS)[number];

export function App() {
  const { model } = useEnv();
  const selected = useModelState((s) => s.selection !== null);
  // Lost the live link (and not showing a capture): rows and countdowns are the last received, not now.
  const stale = useModelState((s) => s.capture === null && s.link.lostAt !== null);
  const eventCount = useModelState((s) => s.events.all.length);
  const [tab, setTab] = useState<Tab>('Host');

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

  return (
    <div className={`app ${selected ? 'with-detail' : ''} ${stale ? 'stale' : ''}`}>
      <StatusBar />
      <main className="main">
        <FilterBar />
        <Totals />
        <CaptureBanner />
        <ConnectionTable />
        <section className="tabs" aria-label="Host, lab, events and captures">
          <div role="tablist" aria-label="Panels">
            {TABS.map((t) => (
              <button
                key={t}
                type="button"
                role="tab"
                id={`tab-${t}`}
                aria-selected={tab === t}
                aria-controls={`panel-${t}`}
                tabIndex={tab === t ? 0 : -1}
                onClick={() => setTab(t)}
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
          <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="tabpanel">
            {tab === 'Host' && <HostPanel />}
            {tab === 'Lab' && <LabPanel />}
            {tab === 'Events' && <EventLog />}
            {tab === 'Capture' && <CapturePanel />}
          </div>
        </section>
      </main>
      <DetailPanel />
    </div>
  );
}
