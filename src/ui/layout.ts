import cliTruncate from 'cli-truncate';
import { textWidth } from './width.js';
import { formatBytes, formatLatency } from '../output/format.js';
import { lastErrorText } from '../output/table.js';
import type { BackendView } from '../store/types.js';
import { coarseAge } from './format.js';
import { historyCell } from './history.js';
import { loadCell, loadCellWidths } from './load-cell.js';
import type { Theme } from './theme.js';

export type ColumnId = 'name' | 'type' | 'status' | 'since' | 'latency' | 'load' | 'models' | 'gpu' | 'history' | 'error';

export type { Cell, Segment } from './segment.js';
import type { Cell, Segment } from './segment.js';
import { generationMark } from './generation-lines.js';

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
  load: 'LOAD',
  models: 'MODELS',
  gpu: 'GPU MEM',
  history: 'HISTORY',
  error: 'LAST ERROR',
};
const ORDER: readonly ColumnId[] = ['name', 'type', 'status', 'since', 'latency', 'load', 'models', 'gpu', 'history', 'error'];
/**
 * On a narrow terminal the least important columns go first. HISTORY goes before LAST ERROR: the error
 * says why a backend is down, which the history cannot, and a flapping backend is still marked
 * FLAPPING in its STATUS cell. LATENCY (the figure the history would have shown) goes last. LOAD (why it
 * is slow) first narrows to its compact form (`narrow-load`), and goes after HISTORY, before LAST ERROR.
 */
const DROP_ORDER: readonly (ColumnId | 'narrow-load')[] = ['type', 'since', 'gpu', 'narrow-load', 'models', 'history', 'load', 'error', 'latency'];
/** LOAD never wider than this (a cell wider than its figures would be a cut-off one anyway). */
const MAX_LOAD = 20;
const MIN_ERROR = 12;
/** The error column's first claim on spare room: enough for the usual `connection: connection refused`. */
const ERROR_FIRST = 32;
/** Ten probes: enough to see a pattern (the flap window is 21). */
const MIN_HISTORY = 10;
/** The ring holds 120 probes by default (`[top] history_size`); more cells than that would stay blank. */
const MAX_HISTORY = 120;
/** Room for ` (47h ago)` after an error from before a recovery. */
const AGE_SUFFIX = 10;
const MIN_NAME = 6;

const SHORT_HEALTH = { healthy: 'up', unhealthy: 'down', loading: 'loading', unknown: '?' } as const;
export const FLAPPING = 'FLAPPING';

export function statusText(b: BackendView, theme: Theme): string {
  const word = b.drained ? `draining (${SHORT_HEALTH[b.health]})` : b.health;
  return `${theme.statusGlyph(b.health)} ${word}`;
}

/** The STATUS cell: glyph and word, then FLAPPING beside it (a backend can be healthy and flapping). */
export function statusCell(b: BackendView, theme: Theme): Segment[] {
  const colour = theme.statusColour(b.status);
  const cell: Segment[] = [{ text: statusText(b, theme), ...(colour ? { colour } : {}) }];
  if (b.flapping) cell.push({ text: ' ' }, { text: FLAPPING, bold: true, ...(theme.color ? { colour: 'magenta' as const } : {}) });
  const gen = generationMark(b, theme);
  if (gen !== null) cell.push({ text: ' ' }, { text: gen, ...(theme.color ? { colour: 'red' as const } : {}) });
  return cell;
}

/** An error from before the backend recovered: still shown, dimmed, with its age. */
function oldError(b: BackendView): boolean {
  return b.lastError !== null && b.health === 'healthy' && b.consecutiveFailures === 0;
}

/** What a row shows that moves with the clock alone: SINCE, and the age of an error from before a recovery. */
export function rowAges(b: BackendView, now: number): { since: string; errorAge: string | null } {
  return {
    since: b.lastCheckAt === null && b.status === 'unknown' ? '-' : coarseAge(now - b.statusSince),
    errorAge: oldError(b) ? coarseAge(now - b.lastError!.at) : null,
  };
}

/** The cells of one row; pure, so a row's text changes only when something shown changed (the view, or rowAges). */
export function rowCells(b: BackendView, now: number, theme: Theme, historyWidth = MIN_HISTORY, loadWidth = Infinity): Record<ColumnId, Cell> {
  const { since, errorAge } = rowAges(b, now);
  const stale = theme.glyph.stale;
  const latency = b.latencyEmaMs === null ? '-' : `${formatLatency(b.latencyEmaMs)}${b.latencyStale ? stale : ''}`;
  const models = b.modelsListedAt === null ? '-' : `${b.models.length}${b.modelsStale ? stale : ''}`;
  const error = lastErrorText(b);
  return {
    name: [{ text: b.name }],
    type: [{ text: b.type }],
    status: statusCell(b, theme),
    since: [{ text: since }],
    latency: [{ text: latency, dim: b.latencyStale }],
    load: loadCell(b.load, theme, loadWidth),
    models: [{ text: models, dim: b.modelsStale }],
    gpu: [{ text: b.gpuMemoryBytes === null ? '-' : formatBytes(b.gpuMemoryBytes) }],
    history: historyCell(b.history, historyWidth, theme),
    error: errorAge !== null
      ? [{ text: `${error} (${errorAge} ago)`, dim: true }]
      : [{ text: error, ...(theme.color && b.health !== 'healthy' && error ? { colour: b.health === 'loading' ? ('yellow' as const) : ('red' as const) } : {}) }],
  };
}

/**
 * Fit columns to the terminal. Fixed columns take their natural widths (from the rows); HISTORY and
 * LAST ERROR are flexible and share what is left. The split: the error never takes more than its
 * longest text needs; it may take up to ERROR_FIRST columns before the history grows past its minimum
 * (a cut-off reason is worse than a shorter trend), and beyond that the two share the room half and
 * half. The history takes the rest, up to the ring's 120 probes (anything beyond goes back to the error).
 * When even the minimum widths do not fit, columns are dropped in DROP_ORDER (and one dropped early comes
 * back if it fits once a later one has gone), then the name is cut.
 */
export function layoutColumns(width: number, rows: readonly BackendView[], theme: Theme): LaidColumn[] {
  const widest = (f: (b: BackendView) => number, title: string, cap = 64): number => Math.min(cap, Math.max(textWidth(title), ...rows.map(f)));
  const text = (f: (b: BackendView) => string) => (b: BackendView) => textWidth(f(b));
  const natural: Record<ColumnId, number> = {
    name: widest(text((b) => b.name), 'NAME', 32),
    type: widest(text((b) => b.type), 'TYPE'),
    status: widest((b) => textWidth(statusText(b, theme)) + (b.flapping ? FLAPPING.length + 1 : 0) + (generationMark(b, theme) !== null ? textWidth(generationMark(b, theme)!) + 1 : 0), 'STATUS'),
    since: 5,
    latency: 8,
    load: 0,
    models: 6,
    gpu: 7,
    history: MIN_HISTORY,
    error: MIN_ERROR,
  };
  // GPU MEM only on a box where some backend holds GPU memory (the GPU panel is on and mapped it);
  // LOAD only when some backend has a load reading (or a reason it has none).
  let gpu = false;
  let fullLoad = 0;
  let compactLoad = 0;
  for (const b of rows) {
    if (b.gpuMemoryBytes !== null) gpu = true;
    if (b.load !== null) {
      const w = loadCellWidths(b.load, theme);
      fullLoad = Math.max(fullLoad, w.full);
      compactLoad = Math.max(compactLoad, w.compact);
    }
  }
  const hasLoad = fullLoad > 0;
  const title = textWidth(TITLES.load);
  fullLoad = Math.min(MAX_LOAD, Math.max(title, fullLoad));
  compactLoad = Math.min(MAX_LOAD, Math.max(title, compactLoad));
  natural.load = fullLoad;
  const all = ORDER.filter((id) => (id !== 'gpu' || gpu) && (id !== 'load' || hasLoad));
  let ids = [...all];
  const used = (list: readonly ColumnId[]): number => ROW_PREFIX + list.reduce((sum, id) => sum + natural[id], 0) + GAP * (list.length - 1);
  const dropped: ColumnId[] = [];
  for (const drop of DROP_ORDER) {
    if (used(ids) <= width) break;
    if (drop === 'narrow-load') {
      natural.load = compactLoad;
      continue;
    }
    ids = ids.filter((id) => id !== drop);
    dropped.push(drop);
  }
  // Narrowed on the way, LOAD gets its full form back if a later drop left room for it.
  if (ids.includes('load') && natural.load < fullLoad && used(ids) + fullLoad - natural.load <= width) natural.load = fullLoad;
  // A column dropped on the way may fit again once a wider one has gone (HISTORY without LAST ERROR).
  for (const back of dropped.slice(0, -1).reverse()) {
    const withIt = all.filter((id) => ids.includes(id) || id === back);
    if (used(withIt) <= width) ids = withIt;
  }
  const widths = { ...natural };
  const spare = width - used(ids);
  const hasHistory = ids.includes('history');
  const hasError = ids.includes('error');
  if (spare < 0) {
    widths.name = Math.max(MIN_NAME, widths.name + spare);
  } else if (hasHistory && hasError) {
    const errorWants = Math.max(0, ...rows.map((b) => textWidth(lastErrorText(b)) + (oldError(b) ? AGE_SUFFIX : 0))) - MIN_ERROR;
    let errorExtra = Math.min(spare, Math.max(0, errorWants), Math.max(ERROR_FIRST - MIN_ERROR, Math.ceil(spare / 2)));
    const historyExtra = Math.min(spare - errorExtra, MAX_HISTORY - MIN_HISTORY);
    errorExtra = spare - historyExtra;
    widths.error += errorExtra;
    widths.history += historyExtra;
  } else if (hasError) {
    widths.error += spare;
  } else if (hasHistory) {
    widths.history += Math.min(spare, MAX_HISTORY - MIN_HISTORY);
  }
  return ids.map((id) => ({ id, title: TITLES[id], width: widths[id], align: id === 'latency' || id === 'models' || id === 'gpu' || id === 'since' || id === 'history' ? 'right' : 'left' }));
}

/** The same layout (so the one laid out before can be kept, and rows drawn for it are still right). */
export function sameColumns(a: readonly LaidColumn[], b: readonly LaidColumn[]): boolean {
  return a.length === b.length && a.every((c, i) => c.id === b[i]!.id && c.width === b[i]!.width && c.align === b[i]!.align && c.title === b[i]!.title);
}

/** Pad or truncate to exactly `width` display columns (wide characters and emoji counted right). */
export function fit(text: string, width: number, align: 'left' | 'right', ellipsis: string): string {
  let t = text;
  if (textWidth(t) > width) t = cliTruncate(t, width, { truncationCharacter: ellipsis });
  const pad = ' '.repeat(Math.max(0, width - textWidth(t)));
  return align === 'right' ? pad + t : t + pad;
}

/** Cut segments to `width` display columns, marking the cut with the theme's ellipsis (ASCII under LANG=C). */
export function fitSegments(segments: readonly Segment[], width: number, ellipsis: string): readonly Segment[] {
  if (segments.reduce((n, s) => n + textWidth(s.text), 0) <= width) return segments;
  const out: Segment[] = [];
  let room = width;
  for (const s of segments) {
    const w = textWidth(s.text);
    if (w < room) {
      out.push(s);
      room -= w;
      continue;
    }
    // The cut falls in this segment; the extra character makes cli-truncate mark it even at an exact fit.
    if (room > 0) out.push({ ...s, text: cliTruncate(`${s.text}.`, room, { truncationCharacter: ellipsis }) });
    break;
  }
  return out;
}

/** `fit` for a cell of several segments: exactly `width` columns, padding unstyled. */
export function fitCell(cell: Cell, width: number, align: 'left' | 'right', ellipsis: string): Segment[] {
  const fitted = [...fitSegments(cell, width, ellipsis)];
  const pad = width - fitted.reduce((n, s) => n + textWidth(s.text), 0);
  if (pad <= 0) return fitted;
  const space = { text: ' '.repeat(pad) };
  return align === 'right' ? [space, ...fitted] : [...fitted, space];
}
