/**
 * The LOAD cell: how loaded a backend is, in as few cells as still read at a glance.
 *
 *   `▶12 ◷3 ▇87%`  12 requests running, 3 waiting, KV cache 87 % full (the bar is its fill in eighths, ▁ … █)
 *   `▶2/2 ◷1`      llama.cpp: 2 of 2 slots busy, 1 request deferred
 *   `◆2`           Ollama / LM Studio: 2 models loaded (`◆2 cpu`: part of one runs on the CPU)
 *   `↪4`           only the Nexus router's view: 4 requests pending there for it
 *   `◷full`        its queue is full: the server refused to answer (Ollama's 503 "maximum pending requests")
 *   `?`            load could not be read (why: the detail pane); `-` no load for this backend
 *
 * In ASCII (`LANG=C`): `r12 q3 kv87%`, `r2/2 q1`, `m2 cpu`, `p4`, `q full`. Every figure carries its own glyph or letter,
 * so NO_COLOR loses nothing; colour only adds emphasis (a queue, a KV cache at 90 % or more, every slot busy).
 * On a narrow terminal the cell drops the running count and the KV bar (`◷3 87%`, `2/2 ◷1`).
 */
import type { LoadView } from '../core/load.js';
import { KV_FULL, partlyOnCpu, percent, queueFull } from '../output/load-text.js';
import type { Segment } from './segment.js';
import type { Colour, Theme } from './theme.js';
import { textWidth } from './width.js';

export { KV_FULL, partlyOnCpu };

const KV_BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

export interface LoadGlyphs {
  running: string;
  waiting: string;
  kv: (fraction: number) => string;
  models: string;
  /** Requests the Nexus router holds for it (`[top] router_url`). */
  router: string;
}

const UNICODE: LoadGlyphs = { running: '▶', waiting: '◷', kv: (f) => KV_BARS[Math.min(7, Math.max(0, Math.floor(f * 8)))]!, models: '◆', router: '↪' };
const ASCII: LoadGlyphs = { running: 'r', waiting: 'q', kv: () => 'kv', models: 'm', router: 'p' };

export function loadGlyphs(theme: Pick<Theme, 'unicode'>): LoadGlyphs {
  return theme.unicode ? UNICODE : ASCII;
}

function build(load: LoadView | null, theme: Theme, compact: boolean): Segment[] {
  if (load === null) return [{ text: '-', dim: true }];
  const g = loadGlyphs(theme);
  const emphasis = (colour: Colour): Partial<Segment> => ({ bold: true, ...(theme.color ? { colour } : {}) });
  const parts: Segment[] = [];
  if (load.slots !== null) {
    const full = load.slots.total > 0 && load.slots.busy >= load.slots.total;
    parts.push({ text: `${compact ? '' : g.running}${load.slots.busy}/${load.slots.total}`, ...(full ? emphasis('yellow') : {}) });
  } else if (load.running !== null && !compact) {
    parts.push({ text: `${g.running}${load.running}` });
  }
  if (load.waiting !== null) parts.push({ text: `${g.waiting}${load.waiting}`, ...(load.waiting > 0 ? emphasis('yellow') : {}) });
  if (load.kvCache !== null) parts.push({ text: `${compact ? '' : g.kv(load.kvCache)}${percent(load.kvCache)}`, ...(load.kvCache >= KV_FULL ? emphasis('red') : {}) });
  // Loaded models only where nothing says how busy it is (Ollama, LM Studio): the count, and CPU if spilled.
  if (parts.length === 0 && load.loadedModels !== null) {
    parts.push({ text: `${g.models}${load.loadedModels.length}` });
    if (partlyOnCpu(load)) parts.push({ text: 'cpu', ...emphasis('yellow') });
  }
  // The router's pending requests, where the backend itself says nothing (load off, or no load endpoint).
  if (parts.length === 0 && load.routerPending !== null) parts.push({ text: `${g.router}${load.routerPending}`, ...(load.routerPending > 0 ? emphasis('yellow') : {}) });
  if (parts.length === 0 && queueFull(load)) return [{ text: theme.unicode ? `${g.waiting}full` : `${g.waiting} full`, ...emphasis('red') }];
  if (parts.length === 0) return load.error !== null ? [{ text: '?', ...(theme.color ? { colour: 'yellow' as const } : {}) }] : [{ text: '-', dim: true }];
  return parts.flatMap((p, i) => (i === 0 ? [p] : [{ text: ' ' }, p]));
}

interface Forms {
  full: Segment[];
  compact: Segment[];
  /** The full form's own width; `fullWidth` is what the column is laid out for. */
  fullOwn: number;
  fullWidth: number;
  compactWidth: number;
}

// Load views are immutable and shared between snapshots: each one's cell is worked out once per theme, so
// laying out 1000 rows on every publish costs a lookup per row, not a string build.
const cache = new WeakMap<Theme, WeakMap<LoadView, Forms>>();
const NONE = new WeakMap<Theme, Forms>();

const widthOf = (s: readonly Segment[]): number => s.reduce((n, x) => n + textWidth(x.text), 0);

function forms(load: LoadView | null, theme: Theme): Forms {
  const make = (): Forms => {
    const full = build(load, theme, false);
    const compact = build(load, theme, true);
    // The column is laid out for two-digit counts at least, so figures moving between 3 and 12 do not make
    // the whole table shift (and be redrawn) at every reading.
    const two = load && { ...load, running: load.running === null ? null : Math.max(10, load.running), waiting: load.waiting === null ? null : Math.max(10, load.waiting), kvCache: load.kvCache === null ? null : Math.max(0.1, load.kvCache) };
    const fullOwn = widthOf(full);
    return {
      full,
      compact,
      fullOwn,
      fullWidth: Math.max(fullOwn, widthOf(build(two, theme, false))),
      compactWidth: Math.max(widthOf(compact), widthOf(build(two, theme, true))),
    };
  };
  if (load === null) {
    let f = NONE.get(theme);
    if (f === undefined) NONE.set(theme, (f = make()));
    return f;
  }
  let byLoad = cache.get(theme);
  if (byLoad === undefined) cache.set(theme, (byLoad = new WeakMap()));
  let f = byLoad.get(load);
  if (f === undefined) byLoad.set(load, (f = make()));
  return f;
}

/** The cell for a column `width` wide: the full form when it fits, else the compact one (cut by the caller if need be). */
export function loadCell(load: LoadView | null, theme: Theme, width = Infinity): Segment[] {
  const f = forms(load, theme);
  return f.fullOwn <= width ? f.full : f.compact;
}

/** Display widths of the full and compact forms (for the layout), counts taken as two digits at least. */
export function loadCellWidths(load: LoadView | null, theme: Theme): { full: number; compact: number } {
  const f = forms(load, theme);
  return { full: f.fullWidth, compact: f.compactWidth };
}

/** How loaded, for sorting (most first): queue, then KV fill, then the share of slots busy; unknown last. */
export function loadRank(load: LoadView | null): number {
  if (load === null) return -1;
  if (queueFull(load)) return Number.MAX_SAFE_INTEGER;
  const slots = load.slots !== null && load.slots.total > 0 ? load.slots.busy / load.slots.total : 0;
  const known = load.waiting !== null || load.kvCache !== null || load.slots !== null || load.running !== null || load.routerPending !== null;
  if (!known) return -1;
  return (load.waiting ?? load.routerPending ?? 0) * 4 + Math.max(load.kvCache ?? 0, slots) * 2 + (load.running ?? 0) / 1e6;
}
