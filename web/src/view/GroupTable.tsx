// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/**
 * The grouped view: one header row per group (count, at risk, keepalive off,
 * a bulk retune of its members) that opens onto its connections — in place
 * of the connection table while a grouping is picked. Groups come from a
 * fetch of the whole filtered list every few seconds, so the view says "as of".
 */
import { useEffect, useSyncExternalStore } from 'react';

import { COLUMNS } from '../model/columns.js';
import { GROUP_BY_LABELS, GROUP_BYS, type ConnectionGroup, type GroupBy, type GroupsState } from '../model/groups.js';
import { BulkRetune } from './BulkRetune.js';
import { ConnectionTable } from './ConnectionTable.js';
import { useEnv, useModelState } from './context.js';
import { clockTime, errorText } from './format.js';

/** Members drawn per open group: the rest are one bulk retune or a filter away, not 10k DOM rows. */
const MAX_MEMBER_ROWS = 200;
/** The member rows' columns: who, where, and what is at risk (the full row is one click away). */
const MEMBER_COLUMNS = COLUMNS.filter((c) => ['state', 'local', 'peer', 'process', 'keepalive', 'idle', 'advisories'].includes(c.id));

export function useGroups<T>(select: (state: GroupsState) => T): T {
  const { groups } = useEnv().model;
  return useSyncExternalStore(groups.subscribe, () => select(groups.getState()), () => select(groups.getState()));
}

/** The table, or the groups while a grouping is picked; the bulk retune dialog over either. */
export function TableOrGroups() {
  const by = useGroups((s) => s.by);
  return (
    <>
      {by === 'none' ? <ConnectionTable /> : <GroupTable />}
      <BulkRetune />
    </>
  );
}

export function GroupByPicker() {
  const { model } = useEnv();
  const by = useGroups((s) => s.by);
  return (
    <div className="fl">
      <label htmlFor="group-by">Group by</label>
      <select id="group-by" value={by} onChange={(e) => model.groups.setBy(e.target.value as GroupBy)}>
        {GROUP_BYS.map((b) => (
          <option key={b} value={b}>
            {GROUP_BY_LABELS[b]}
          </option>
        ))}
      </select>
    </div>
  );
}

export function GroupTable() {
  const { model } = useEnv();
  const state = useGroups((s) => s);
  const filter = useModelState((s) => s.table.filter);
  // A new filter is a new list: fetch now rather than at the next round.
  useEffect(() => {
    void model.groups.refresh();
  }, [model, filter]);
  return (
    <section className="groups" aria-label="Connections by group" aria-busy={state.loading}>
      <p className="groups-note" data-testid="groups-note">
        {state.groups.length} group{state.groups.length === 1 ? '' : 's'} by {GROUP_BY_LABELS[state.by]}
        {state.asOf !== null ? ` · as of ${clockTime(state.asOf)} (refreshed every few seconds)` : ' · loading…'}
        {state.error && <span className="field-error" role="alert"> · could not refresh: {errorText(state.error)}</span>}
      </p>
      <table className="group-table">
        <thead>
          <tr>
            <th scope="col">Group</th>
            <th scope="col" className="num">Connections</th>
            <th scope="col" className="num" title="With at least one advisory">At risk</th>
            <th scope="col" className="num">Keepalive off</th>
            <th scope="col" aria-label="Actions" />
          </tr>
        </thead>
        {state.groups.map((group) => (
          <GroupRows key={group.key} group={group} open={state.expanded.has(group.key)} />
        ))}
      </table>
      {state.asOf !== null && state.groups.length === 0 && <p className="empty">No connection matches the filter.</p>}
    </section>
  );
}

function GroupRows({ group, open }: { group: ConnectionGroup; open: boolean }) {
  const { model } = useEnv();
  const capture = useModelState((s) => s.capture !== null);
  const now = model.now();
  const bodyId = `group-${group.key.replace(/[^\w-]/g, '_')}`;
  return (
    <tbody className="group" data-group={group.key}>
      <tr className={group.atRisk > 0 ? 'group-head at-risk' : 'group-head'}>
        <th scope="row">
          <button type="button" className="group-toggle" aria-expanded={open} aria-controls={bodyId} onClick={() => model.groups.toggle(group.key)}>
            {open ? '▾' : '▸'} {group.label}
          </button>
        </th>
        <td className="num" data-testid="group-count">{group.count}</td>
        <td className="num" data-testid="group-at-risk">{group.atRisk}</td>
        <td className="num" data-testid="group-ka-off">{group.keepaliveOff}</td>
        <td>
          {!capture && (
            <button type="button" onClick={() => model.bulk.open({ kind: 'ids', ids: group.ids, label: `${group.count} in ${group.label}` })}>
              Retune {group.count}…
            </button>
          )}
        </td>
      </tr>
      {open && (
        <tr id={bodyId} className="group-members">
          <td colSpan={5}>
            <table>
              <tbody>
                {group.views.slice(0, MAX_MEMBER_ROWS).map((view) => (
                  <tr key={view.id} data-id={view.id} onClick={() => model.select(view.id)}>
                    {MEMBER_COLUMNS.map((c) => (
                      <td key={c.id} className={c.cellClass(view)} title={c.cellTitle(view)}>
                        {c.text(view, now)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
            {group.count > MAX_MEMBER_ROWS && <p className="hint">{group.count - MAX_MEMBER_ROWS} more: narrow the filter to see them as rows.</p>}
          </td>
        </tr>
      )}
    </tbody>
  );
}
