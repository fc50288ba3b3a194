import type { Status } from '../../health/state.js';
import type { BackendView } from '../../store/types.js';
import { loadRank } from '../load-cell.js';

export type SortKey = 'name' | 'status' | 'latency' | 'change' | 'load';
export const SORT_KEYS: readonly SortKey[] = ['name', 'status', 'latency', 'change', 'load'];

/** The event log: `only` names the backend it is narrowed to (null: all); `offset` events scrolled past, from the newest. */
export type EventsMode = { kind: 'events'; back: 'table' | 'detail'; only: string | null; offset: number };
/** The views the help goes back to when closed. */
export type BaseMode = { kind: 'table' } | { kind: 'detail' } | EventsMode;
/** One view at a time (one overlay mounted, its keymap live). */
export type Mode = BaseMode | { kind: 'help'; back: BaseMode; offset: number } | { kind: 'filter'; draft: string };

export interface ViewState {
  mode: Mode;
  /** Selected backend by name, so the selection survives re-sorting and filtering. */
  selected: string | null;
  sort: SortKey;
  filter: string;
  /** The GPU panel above the table (when there is a GPU tool and room for it). */
  gpuPanel: boolean;
}

export type ViewEvent =
  | { type: 'move'; by: number; rows: readonly BackendView[] }
  | { type: 'move-to'; index: number; rows: readonly BackendView[] }
  | { type: 'cycle-sort' }
  | { type: 'toggle-gpu-panel' }
  | { type: 'open'; mode: Mode }
  | { type: 'close' }
  | { type: 'help-scroll'; by: number; max: number }
  | { type: 'events-scroll'; by: number; max: number }
  | { type: 'events-only'; name: string | null }
  | { type: 'filter-edit'; draft: string }
  | { type: 'filter-apply' }
  | { type: 'filter-clear' };

export const initialView: ViewState = { mode: { kind: 'table' }, selected: null, sort: 'name', filter: '', gpuPanel: true };

export function selectedIndex(rows: readonly BackendView[], selected: string | null): number {
  const i = rows.findIndex((b) => b.name === selected);
  return i === -1 ? 0 : i;
}

export function viewReducer(state: ViewState, event: ViewEvent): ViewState {
  switch (event.type) {
    case 'move': {
      if (event.rows.length === 0) return state;
      const i = Math.min(event.rows.length - 1, Math.max(0, selectedIndex(event.rows, state.selected) + event.by));
      return { ...state, selected: event.rows[i]!.name };
    }
    case 'move-to': {
      if (event.rows.length === 0) return state;
      const i = Math.min(event.rows.length - 1, Math.max(0, event.index));
      return { ...state, selected: event.rows[i]!.name };
    }
    case 'toggle-gpu-panel':
      return { ...state, gpuPanel: !state.gpuPanel };
    case 'cycle-sort':
      return { ...state, sort: SORT_KEYS[(SORT_KEYS.indexOf(state.sort) + 1) % SORT_KEYS.length]! };
    case 'open':
      return { ...state, mode: event.mode };
    case 'help-scroll': {
      if (state.mode.kind !== 'help') return state;
      const offset = Math.min(Math.max(0, event.max), Math.max(0, state.mode.offset + event.by));
      return offset === state.mode.offset ? state : { ...state, mode: { ...state.mode, offset } };
    }
    case 'events-scroll': {
      if (state.mode.kind !== 'events') return state;
      const offset = Math.min(Math.max(0, event.max), Math.max(0, state.mode.offset + event.by));
      return offset === state.mode.offset ? state : { ...state, mode: { ...state.mode, offset } };
    }
    case 'events-only':
      if (state.mode.kind !== 'events') return state;
      // f again (or no backend to narrow to) shows every event; scrolled back to the newest either way.
      return { ...state, mode: { ...state.mode, only: state.mode.only === null ? event.name : null, offset: 0 } };
    case 'close': {
      const mode = state.mode;
      if (mode.kind === 'help') return { ...state, mode: mode.back };
      if (mode.kind === 'events') return { ...state, mode: { kind: mode.back } };
      return { ...state, mode: { kind: 'table' } };
    }
    case 'filter-edit':
      return { ...state, mode: { kind: 'filter', draft: event.draft }, filter: event.draft };
    case 'filter-apply':
      return { ...state, mode: { kind: 'table' } };
    case 'filter-clear':
      return { ...state, mode: { kind: 'table' }, filter: '' };
  }
}

/** Worst first: what needs a person's eyes comes to the top. */
const SEVERITY: Record<Status, number> = { unhealthy: 0, loading: 1, unknown: 2, draining: 3, healthy: 4 };

/** Lowercase letters, digits, `-` and `.`: the root collation orders these as their code points do. */
const PLAIN = /^[-.0-9a-z]*$/;

/**
 * Whether the locale ICU collates in (the first of LC_ALL, LC_MESSAGES, LANG, as ICU reads them) keeps the
 * root collation's order for plain names: unset, C/POSIX or English. Danish sorts `aa` after `z`,
 * Lithuanian `y` with `i`, Czech `ch` after `h`: there, every name goes through localeCompare.
 */
export function rootOrderLocale(env: Record<string, string | undefined>): boolean {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return locale === '' || /^(C|POSIX)([.@]|$)/.test(locale) || /^en([_.@-]|$)/.test(locale);
}

let plainOrder: boolean | undefined;

/**
 * Names as localeCompare orders them. Two plain names in such a locale are compared by code point, which
 * gives the same order without ICU's collator: its first use costs ~5 ms, more than drawing the first frame.
 */
export function compareNames(a: string, b: string): number {
  plainOrder ??= rootOrderLocale(process.env);
  if (plainOrder && PLAIN.test(a) && PLAIN.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return a.localeCompare(b);
}

function compare(sort: SortKey): (a: BackendView, b: BackendView) => number {
  const byName = (a: BackendView, b: BackendView): number => compareNames(a.name, b.name);
  switch (sort) {
    case 'name':
      return byName;
    case 'status':
      return (a, b) => SEVERITY[a.status] - SEVERITY[b.status] || byName(a, b);
    case 'latency':
      // Slowest first; backends with no latency last.
      return (a, b) => (b.latencyEmaMs ?? -1) - (a.latencyEmaMs ?? -1) || byName(a, b);
    case 'change':
      // Most recent status change first.
      return (a, b) => b.statusSince - a.statusSince || byName(a, b);
    case 'load':
      // Most loaded first (a queue, then the fuller KV cache or slots); backends with no load figure last.
      return (a, b) => loadRank(b.load) - loadRank(a.load) || byName(a, b);
  }
}

/** The rows the table shows: filtered by text in name, type or status, then sorted. */
export function visibleRows(backends: readonly BackendView[], sort: SortKey, filter: string): BackendView[] {
  const needle = filter.trim().toLowerCase();
  const kept = needle
    ? backends.filter((b) => b.name.toLowerCase().includes(needle) || b.type.includes(needle) || b.status.includes(needle) || b.health.includes(needle))
    : [...backends];
  return kept.sort(compare(sort));
}

/** The first row shown so that the selected one is visible, moving the window as little as possible. */
export function scrollOffset(previous: number, selected: number, height: number, total: number): number {
  if (height <= 0) return 0;
  let offset = Math.min(previous, Math.max(0, total - height));
  if (selected < offset) offset = selected;
  if (selected >= offset + height) offset = selected - height + 1;
  return Math.max(0, offset);
}
