import cliTruncate from 'cli-truncate';
import stringWidth from 'string-width';
import { formatLatency } from '../output/format.js';
import { lastErrorText } from '../output/table.js';
import type { BackendView } from '../store/types.js';
import { coarseAge } from './format.js';
import type { Colour, Theme } from './theme.js';

export type ColumnId = 'name' | 'type' | 'status' | 'since' | 'latency' | 'models' | 'error';

export interface Segment {
  text: string;
  colour?: Colour;
  dim?: boolean;
  bold?: boolean;
}

export interface LaidColumn {
  id: ColumnId;
  title: string;
  width: number;
  align: 'left' | 'right';
}

/** Selection mark, activity mark, space. */
export const ROW_PREFIX = 3;
const GAP = 2;
const TITLES: Record<ColumnId, string> = {
  name: 'NAME',
  type: 'TYPE',
  status: 'STATUS',
  since: 'SINCE',
  latency: 'LATENCY',
  models: 'MODELS',
  error: 'LAST ERROR',
};
const ORDER: readonly ColumnId[] = ['name', 'type', 'status', 'since', 'latency', 'models', 'error'];
/** On a narrow terminal the least important columns go first. */
const DROP_ORDER: readonly ColumnId[] = ['type', 'since', 'models', 'error', 'latency'];
const MIN_ERROR = 12;
const MIN_NAME = 6;

const SHORT_HEALTH = { healthy: 'up', unhealthy: 'down', loading: 'loading', unknown: '?' } as const;

export function statusText(b: BackendView, theme: Theme): string {
  const word = b.drained ? `draining (${SHORT_HEALTH[b.health]})` : b.health;
  return `${theme.statusGlyph(b.health)} ${word}`;
}

/** The cells of one row; pure, so a row's text changes only when something shown changed. */
export function rowCells(b: BackendView, now: number, theme: Theme): Record<ColumnId, Segment> {
  const stale = theme.glyph.stale;
  const latency = b.latencyEmaMs === null ? '-' : `${formatLatency(b.latencyEmaMs)}${b.latencyStale ? stale : ''}`;
  const models = b.modelsListedAt === null ? '-' : `${b.models.length}${b.modelsStale ? stale : ''}`;
  const error = lastErrorText(b);
  // An error from before the backend recovered stays visible, dimmed, with its age.
  const old = b.lastError !== null && b.health === 'healthy' && b.consecutiveFailures === 0;
  return {
    name: { text: b.name },
    type: { text: b.type },
    status: { text: statusText(b, theme), ...(theme.statusColour(b.status) ? { colour: theme.statusColour(b.status)! } : {}) },
    since: { text: b.lastCheckAt === null && b.status === 'unknown' ? '-' : coarseAge(now - b.statusSince) },
    latency: { text: latency, dim: b.latencyStale },
    models: { text: models, dim: b.modelsStale },
    error: old ? { text: `${error} (${coarseAge(now - b.lastError!.at)} ago)`, dim: true } : { text: error, ...(theme.color && b.health !== 'healthy' && error ? { colour: b.health === 'loading' ? 'yellow' : 'red' } : {}) },
  };
}

/** Fit columns to the terminal: natural widths from the rows, the error column takes the rest, narrow drops columns. */
export function layoutColumns(width: number, rows: readonly BackendView[], theme: Theme): LaidColumn[] {
  const widest = (f: (b: BackendView) => string, title: string, cap = 64): number =>
    Math.min(cap, Math.max(stringWidth(title), ...rows.map((b) => stringWidth(f(b)))));
  const natural: Record<ColumnId, number> = {
    name: widest((b) => b.name, 'NAME', 32),
    type: widest((b) => b.type, 'TYPE'),
    status: widest((b) => statusText(b, theme), 'STATUS'),
    since: 5,
    latency: 8,
    models: 6,
    error: MIN_ERROR,
  };
  let ids = [...ORDER];
  const used = (list: readonly ColumnId[]): number => ROW_PREFIX + list.reduce((sum, id) => sum + natural[id], 0) + GAP * (list.length - 1);
  for (const drop of DROP_ORDER) {
    if (used(ids) <= width) break;
    ids = ids.filter((id) => id !== drop);
  }
  const widths = { ...natural };
  const spare = width - used(ids);
  if (ids.includes('error')) widths.error += Math.max(0, spare);
  else if (spare < 0) widths.name = Math.max(MIN_NAME, widths.name + spare);
  return ids.map((id) => ({ id, title: TITLES[id], width: widths[id], align: id === 'latency' || id === 'models' || id === 'since' ? 'right' : 'left' }));
}

/** Pad or truncate to exactly `width` display columns (wide characters and emoji counted right). */
export function fit(text: string, width: number, align: 'left' | 'right', ellipsis: string): string {
  let t = text;
  if (stringWidth(t) > width) t = cliTruncate(t, width, { truncationCharacter: ellipsis });
  const pad = ' '.repeat(Math.max(0, width - stringWidth(t)));
  return align === 'right' ? pad + t : t + pad;
}
