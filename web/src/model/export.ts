/**
 * Export of the table's current view (its filter, search and sort) as CSV
 * and JSON, with each column's export fields from columns.ts.
 *
 * CSV is RFC 4180 (CRLF records, fields quoted when they hold a quote, comma
 * or line break), and a text cell that a spreadsheet would run as a formula
 * (= + - @, tab, CR first) gets a leading ' — process names and command
 * lines come from other local users.
 */
import { matchesSearch, type ConnectionFilter, type ConnectionView, type SortSpec } from '@keepalive-dashboard/shared';

import type { ApiClient } from '../transport/api.js';
import { COLUMNS, sortViews, type ExportValue } from './columns.js';

export interface ExportTable {
  fields: string[];
  rows: ExportValue[][];
}

/** The export's columns: the connection id, then every column's fields in table order. */
export function exportTable(views: readonly ConnectionView[], now: number): ExportTable {
  const fields = COLUMNS.flatMap((c) => c.exports);
  return {
    fields: ['id', ...fields.map((f) => f.name)],
    rows: views.map((v) => [v.id, ...fields.map((f) => f.value(v, now))]),
  };
}

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: ExportValue): string {
  if (value === null) return '';
  let text = String(value);
  // Only text: a negative number stays a number.
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(table: ExportTable): string {
  return [table.fields, ...table.rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export interface ExportContext {
  /** Server time of the export, epoch ms. */
  now: number;
  filter: ConnectionFilter;
  search: string;
  sort: SortSpec;
}

export function toJson(table: ExportTable, context: ExportContext): string {
  const connections = table.rows.map((row) => Object.fromEntries(table.fields.map((name, i) => [name, row[i] ?? null])));
  const search = context.search.trim();
  const body = { exportedAt: new Date(context.now).toISOString(), filter: context.filter, search: search || null, sort: context.sort, count: connections.length, connections };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/** keepalive-2026-12-01T18-40-00Z.csv: the host's time, with no character a file system refuses. */
export function exportFileName(now: number, extension: 'csv' | 'json'): string {
  return `keepalive-${new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-')}.${extension}`;
}

/** The server's page size for a whole-list fetch (its schema's maximum). */
const PAGE_LIMIT = 100_000;

/**
 * Every row of the view, when the browser holds only a window of it: the
 * server filters (GET /api/connections); it neither searches nor sorts, so
 * both are done here with the same shared/ functions the server's window uses.
 */
export async function fetchViewRows(api: Pick<ApiClient, 'connections'>, context: Omit<ExportContext, 'now'>): Promise<ConnectionView[]> {
  const all: ConnectionView[] = [];
  for (let offset = 0; ; ) {
    const page = await api.connections(context.filter, PAGE_LIMIT, offset);
    all.push(...page.connections);
    offset += page.connections.length;
    if (page.connections.length === 0 || offset >= page.total) break;
  }
  const search = context.search.trim();
  return sortViews(search ? all.filter((v) => matchesSearch(v, search)) : all, context.sort);
}

export interface ExportFile {
  name: string;
  mimeType: string;
  text: string;
}

export function exportFile(format: 'csv' | 'json', views: readonly ConnectionView[], context: ExportContext): ExportFile {
  const table = exportTable(views, context.now);
  if (format === 'csv') return { name: exportFileName(context.now, 'csv'), mimeType: 'text/csv;charset=utf-8', text: toCsv(table) };
  return { name: exportFileName(context.now, 'json'), mimeType: 'application/json', text: toJson(table, context) };
}
