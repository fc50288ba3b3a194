import cliTruncate from 'cli-truncate';
import stringWidth from 'string-width';
import type { BackendView, FleetSnapshot } from '../store/types.js';
import { formatLatency } from './format.js';

export interface Column {
  title: string;
  cell(b: BackendView): string;
}

export function lastErrorText(b: BackendView): string {
  if (b.status === 'loading' || (b.health === 'loading' && b.loadingMessage)) return b.loadingMessage ? `loading: ${b.loadingMessage}` : '';
  if (!b.lastError) return '';
  return `${b.lastError.kind}: ${b.lastError.message}`;
}

export function modelsText(b: BackendView): string {
  if (b.modelsListedAt === null) return '-';
  return `${b.models.length}${b.modelsStale ? ' (stale)' : ''}`;
}

export function latencyText(b: BackendView): string {
  return `${formatLatency(b.latencyEmaMs)}${b.latencyStale && b.latencyEmaMs !== null ? ' (stale)' : ''}`;
}

export const ONCE_COLUMNS: readonly Column[] = [
  { title: 'NAME', cell: (b) => b.name },
  { title: 'TYPE', cell: (b) => b.type },
  { title: 'STATUS', cell: (b) => (b.drained ? `draining (${b.health})` : b.status) },
  { title: 'LATENCY', cell: latencyText },
  { title: 'MODELS', cell: modelsText },
  { title: 'LAST ERROR', cell: lastErrorText },
];

/** A plain-text table, columns padded by display width; `maxWidth` truncates the last column. */
export function renderTable(rows: readonly BackendView[], columns: readonly Column[], maxWidth = Infinity): string {
  const cells = [columns.map((c) => c.title), ...rows.map((b) => columns.map((c) => c.cell(b)))];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => stringWidth(r[i]!))));
  const lines = cells.map((r) => {
    const line = r.map((cell, i) => (i === r.length - 1 ? cell : cell + ' '.repeat(widths[i]! - stringWidth(cell)))).join('  ');
    const trimmed = line.trimEnd();
    return Number.isFinite(maxWidth) && stringWidth(trimmed) > maxWidth ? cliTruncate(trimmed, maxWidth) : trimmed;
  });
  return lines.join('\n');
}

export function summaryLine(snapshot: FleetSnapshot): string {
  const s = snapshot.summary;
  const parts = [`${s.healthy}/${s.total} healthy`];
  for (const k of ['unhealthy', 'loading', 'draining', 'unknown'] as const) if (s[k] > 0) parts.push(`${s[k]} ${k}`);
  return parts.join(', ');
}

export function onceText(snapshot: FleetSnapshot, maxWidth = Infinity): string {
  return `${renderTable(snapshot.backends, ONCE_COLUMNS, maxWidth)}\n\n${summaryLine(snapshot)}\n`;
}
