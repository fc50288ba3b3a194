/**
 * What each line of the dashboard's table view shows, as styled segments: the header, the counts, the
 * column titles, a backend's row, the banner, the footer, and how tall the body is. Pure (no Ink, no
 * React): the components draw these lines, and so does the first frame drawn before Ink has loaded
 * (first-frame.ts), so the two cannot show different things.
 */
import cliTruncate from 'cli-truncate';
import type { BackendView, FleetSnapshot, FleetSummary, ReplayState } from '../store/types.js';
import type { AppMeta } from './actions.js';
import { dateTime, formatInterval } from './format.js';
import { KEYMAP, keyLabel, type Action, type ModeKind } from './keymap.js';
import { fit, fitCell, ROW_PREFIX, rowCells, type LaidColumn, type Segment } from './layout.js';
import type { SortKey } from './state/view-state.js';
import { slowProbe } from './steady.js';
import type { Theme } from './theme.js';
import { textWidth } from './width.js';

const widthOf = (segments: readonly Segment[]): number => segments.reduce((n, x) => n + textWidth(x.text), 0);

/** `REPLAY fleet.ndjson  2026-11-24 10:31:07  x10  PAUSED`: the recording, the time in it, the speed, and whether it stopped. */
export function replaySegments(replay: ReplayState, at: number, paused: boolean): Segment[] {
  const out: Segment[] = [
    { text: 'REPLAY', bold: true, colour: 'cyan' },
    { text: ` ${replay.file}  ` },
    { text: dateTime(at), bold: true },
    { text: `  ${replay.speed === 'max' ? 'max speed' : `x${replay.speed}`}` },
  ];
  if (replay.ended) {
    out.push({ text: '  ' }, { text: 'ENDED', bold: true, colour: replay.stoppedAt ? 'red' : 'yellow' });
    if (replay.stoppedAt) out.push({ text: ` (${replay.stoppedAt})`, colour: 'red' });
  } else if (replay.paused || paused) {
    out.push({ text: '  ' }, { text: 'PAUSED', bold: true, colour: 'yellow' });
  }
  return out;
}

/** The header's first line: name and version, the config (or the recording), interval, sort, filter, pause, activity. */
export function headerSegments(o: { snapshot: FleetSnapshot; meta: AppMeta; theme: Theme; sort: SortKey; filter: string; width: number }): Segment[] {
  const { snapshot, meta, theme, sort, filter, width: columns } = o;
  const sep = { text: `  ${theme.glyph.separator}  `, dim: true };
  const checking = snapshot.backends.reduce((n, b) => n + (slowProbe(b.checkingSince, snapshot.at) ? 1 : 0), 0);
  const replay = snapshot.replay;
  const build = (p: { version: boolean; every: boolean; sort: boolean; file?: string }): Segment[] => {
    const top: Segment[] = [{ text: p.version ? `nexus-top ${meta.version}` : 'nexus-top', bold: true }, sep];
    // A replay says so first, with the time in the recording: nothing on screen is live.
    if (replay) top.push(...replaySegments(p.file === undefined ? replay : { ...replay, file: p.file }, snapshot.at, snapshot.paused));
    else top.push({ text: meta.source });
    if (p.every) top.push(sep, { text: `every ${formatInterval(snapshot.intervalMs)}` });
    if (p.sort) top.push(sep, { text: `sort: ${sort}` });
    if (filter) top.push(sep, { text: `filter: ${filter}`, colour: 'cyan' });
    if (snapshot.paused && !replay) top.push(sep, { text: 'PAUSED', colour: 'yellow', bold: true });
    // The activity mark: probes running for a second or more (quick ones would only make it flicker).
    if (checking > 0) top.push(sep, { text: `${theme.glyph.checking} ${checking}`, dim: true });
    return top;
  };
  let top = build({ version: true, every: true, sort: true });
  if (replay && widthOf(top) > columns) {
    // A replay's state (PAUSED, ENDED) must stay in view: the sort, the interval and the version give way
    // first, then the start of a long file path.
    const options = { version: true, every: true, sort: true };
    for (const drop of ['sort', 'every', 'version'] as const) {
      options[drop] = false;
      top = build(options);
      if (widthOf(top) <= columns) break;
    }
    const over = widthOf(top) - columns;
    if (over > 0) {
      const room = Math.max(8, textWidth(replay.file) - over);
      top = build({ ...options, file: cliTruncate(replay.file, room, { position: 'start', truncationCharacter: theme.glyph.ellipsis }) });
    }
  }
  return top;
}

/** The counts line; when it does not fit, zero counts go first, then the wide gaps. */
export function summarySegments(s: FleetSummary, theme: Theme, width: number): Segment[] {
  const entries: Array<{ count: number; segment: Segment }> = [];
  for (const status of ['healthy', 'unhealthy', 'loading', 'draining', 'unknown'] as const) {
    const glyph = status === 'draining' ? '' : `${theme.statusGlyph(status)} `;
    const colour = s[status] > 0 ? theme.statusColour(status) : undefined;
    entries.push({ count: s[status], segment: { text: `${glyph}${s[status]} ${status}`, ...(colour ? { colour } : { dim: s[status] === 0 }) } });
  }
  // Flapping is counted whatever the status (a backend can be healthy and flapping).
  entries.push({ count: s.flapping, segment: { text: `${s.flapping} flapping`, ...(s.flapping > 0 ? { bold: true, ...(theme.color ? { colour: 'magenta' as const } : {}) } : { dim: true }) } });
  const build = (list: typeof entries, gap: string): Segment[] => [{ text: `${s.total} backends` }, ...list.flatMap((e) => [{ text: gap }, e.segment])];
  let out = build(entries, '   ');
  if (widthOf(out) <= width) return out;
  const nonZero = entries.filter((e) => e.count > 0);
  out = build(nonZero, '   ');
  if (widthOf(out) <= width) return out;
  return build(nonZero, '  ');
}

/** Between two columns of the table. */
const GAP = '  ';

/** The table's column titles, dimmed, over the columns as laid out. */
export function titleSegments(columns: readonly LaidColumn[], theme: Theme): Segment[] {
  return [{ text: ' '.repeat(ROW_PREFIX) }, ...columns.map((c, i) => ({ text: (i > 0 ? GAP : '') + fit(c.title, c.width, c.align, theme.glyph.ellipsis), dim: true }))];
}

/** One backend's row: the selection and activity marks, then each column's cell fitted to its width. */
export function rowSegments(b: BackendView, columns: readonly LaidColumn[], selected: boolean, now: number, theme: Theme): Segment[] {
  let historyWidth = 0;
  let loadWidth = 0;
  for (const c of columns) {
    if (c.id === 'history') historyWidth = c.width;
    else if (c.id === 'load') loadWidth = c.width;
  }
  const cells = rowCells(b, now, theme, historyWidth, loadWidth);
  const prefix = `${selected ? theme.glyph.selected : ' '}${slowProbe(b.checkingSince, now) ? theme.glyph.checking : ' '} `;
  const out: Segment[] = [{ text: prefix }];
  columns.forEach((c, i) => {
    if (i > 0) out.push({ text: GAP });
    out.push(...fitCell(cells[c.id], c.width, c.align, theme.glyph.ellipsis));
  });
  return out;
}

/** The table's line when the filter leaves no backend. */
export const NO_MATCH: readonly Segment[] = [{ text: '   no backend matches the filter', dim: true }];

/**
 * The line above the footer, if any: a config file that could not be reloaded outranks any other notice
 * (the screen is not what the file says).
 */
export function bannerSegment(configProblem: string | null | undefined, notice: string | undefined, width: number, theme: Theme): Segment | undefined {
  if (configProblem) return { text: fit(`config not reloaded, still running the last good one: ${configProblem}`, width, 'left', theme.glyph.ellipsis), colour: 'red', bold: true };
  if (notice) return { text: fit(notice, width, 'left', theme.glyph.ellipsis), colour: 'yellow' };
  return undefined;
}

/** Header (2 lines) and footer (1) around the body. */
const CHROME_ROWS = 3;

/**
 * The body's height (and the table's rows, below its titles) on a terminal `height` rows tall. The frame
 * stays at least one row shorter than the terminal: a frame as tall as the screen makes Ink clear it on
 * every update.
 */
export function bodyHeights(height: number, banner: boolean): { bodyHeight: number; tableHeight: number } {
  const bodyHeight = Math.max(1, height - 1 - CHROME_ROWS - (banner ? 1 : 0));
  return { bodyHeight, tableHeight: Math.max(1, bodyHeight - 1) };
}

const PAIRS: Partial<Record<Action, Action>> = { up: 'down', 'interval-up': 'interval-down' };

/** The keys that work in this view, generated from the keymap that binds them. */
export function hintSegments(mode: ModeKind, theme: Theme, width = Infinity): Segment[] {
  const hints: Segment[][] = [];
  for (const b of KEYMAP[mode]) {
    if (!b.hint) continue;
    // A hint names its key and, for a pair, its partner's (↑/↓ move, +/- interval).
    const partner = PAIRS[b.action];
    const keys = [b, ...KEYMAP[mode].filter((o) => partner !== undefined && o.action === partner)];
    const label = keys.map((k) => keyLabel(k.keys[0]!, theme.unicode)).join('/');
    hints.push([{ text: label, bold: true }, { text: ` ${b.hint}`, dim: true }]);
  }
  // Too narrow for all: drop hints from just before the last two (help, quit), which always stay.
  const size = (list: Segment[][]): number => list.reduce((n, h) => n + widthOf(h), 0) + 2 * (list.length - 1);
  while (hints.length > 2 && size(hints) > width) hints.splice(hints.length - 3, 1);
  return hints.flatMap((h, i) => (i === 0 ? h : [{ text: '  ' }, ...h]));
}

/** The footer: the view's keys, or the filter being typed and its keys. */
export function footerSegments(mode: ModeKind, draft: string, theme: Theme, width: number): Segment[] {
  if (mode !== 'filter') return hintSegments(mode, theme, width);
  const input: Segment[] = [{ text: `/${draft}`, colour: 'cyan' }, { text: '_' }, { text: '   ' }];
  return [...input, ...hintSegments('filter', theme, width - widthOf(input))];
}
