/**
 * The dashboard's first frame, drawn before Ink and React are even loaded: the alternate screen, then the
 * whole table view as Ink will draw it for the same fleet (header, counts, column titles, a row per
 * backend, footer), so the fleet is on screen as soon as the config is read.
 *
 * Every line is built by the same pure functions the components use (lines.ts, layout.ts), in the same
 * arrangement as App, and styled as Line styles it. Ink's first frame then writes the same text with the
 * same styles into the same cells, from the top-left corner, without clearing the screen: nothing moves,
 * nothing blinks (src/ui/first-frame.test.ts renders both into a terminal and compares them cell by cell).
 */
import { inspect } from 'node:util';
import type { FleetSnapshot } from '../store/types.js';
import type { AppMeta } from './actions.js';
import { fitSegments, layoutColumns, type Segment } from './layout.js';
import { bannerSegment, bodyHeights, footerSegments, headerSegments, NO_MATCH, rowSegments, summarySegments, titleSegments } from './lines.js';
import { routerSegments } from './router-line.js';
import { initialView, scrollOffset, selectedIndex, visibleRows } from './state/view-state.js';
import type { Theme } from './theme.js';

// The alternate screen keeps the user's scrollback intact and is restored on exit, as in less or htop.
// Bracketed paste mode (`ESC[?2004h`) has the terminal mark a paste (`ESC[200~` … `ESC[201~`), so that
// pasted text goes into the filter instead of acting as keys (a `q` in it would quit); every way out
// turns it off again (LEAVE_SCREEN), or the shell after us would get the markers around its pastes.
export const ENTER_SCREEN = '\u001b[?1049h\u001b[H\u001b[2J\u001b[?2004h';
export const LEAVE_SCREEN = '\u001b[?2004l\u001b[?25h\u001b[?1049l';
const HIDE_CURSOR = '\u001b[?25l';
const HOME = '\u001b[H';
// Synchronized update: a terminal that knows it paints the frame at once.
const BEGIN_SYNC = '\u001b[?2026h';
const END_SYNC = '\u001b[?2026l';

/** One screen line: its segments and whether it is drawn inverted (the selected row). */
export interface FrameLine {
  segments: readonly Segment[];
  inverse?: boolean;
}

export interface FrameInput {
  snapshot: FleetSnapshot;
  meta: AppMeta;
  theme: Theme;
  /** The terminal's size. */
  columns: number;
  rows: number;
  /** The notice App shows above the footer (a warning from start-up). */
  notice?: string;
}

/** The lines of the table view as App lays them out with its initial view state (sorted by name, first row selected, no filter). */
export function firstFrameLines({ snapshot, meta, theme, columns: width, rows: height, notice }: FrameInput): FrameLine[] {
  const view = initialView;
  const rows = visibleRows(snapshot.backends, view.sort, view.filter);
  const columns = layoutColumns(width, snapshot.backends, theme);
  const banner = bannerSegment(snapshot.configProblem, notice, width, theme);
  const { bodyHeight, tableHeight } = bodyHeights(height - (snapshot.router ? 1 : 0), banner !== undefined);
  const index = selectedIndex(rows, view.selected);
  const offset = scrollOffset(0, index, tableHeight, rows.length);
  const body: FrameLine[] = [{ segments: titleSegments(columns, theme) }];
  rows.slice(offset, offset + tableHeight).forEach((b, i) => {
    const selected = offset + i === index;
    body.push({ segments: rowSegments(b, columns, selected, snapshot.at, theme), inverse: selected });
  });
  if (rows.length === 0) body.push({ segments: NO_MATCH });
  // The body is exactly bodyHeight rows (clipped at the bottom, or blank below the table).
  const clipped = body.slice(0, bodyHeight);
  while (clipped.length < bodyHeight) clipped.push({ segments: [] });
  return [
    { segments: headerSegments({ snapshot, meta, theme, sort: view.sort, filter: view.filter, width }) },
    { segments: summarySegments(snapshot.summary, theme, width) },
    ...(snapshot.router ? [{ segments: routerSegments(snapshot.router, snapshot.at, theme) }] : []),
    ...clipped,
    ...(banner ? [{ segments: [banner] }] : []),
    { segments: footerSegments(view.mode.kind, '', theme, width) },
  ];
}

const sgr = (style: string, text: string): string => {
  const [open, close] = inspect.colors[style]!;
  return `\u001b[${open}m${text}\u001b[${close}m`;
};

/**
 * A line as components/line.tsx draws it: cut to the width; without colour no style at all (the selection
 * is the `›` mark then); with colour each segment's colour, dim and bold, the whole line inverted if asked.
 */
export function lineText({ segments, inverse = false }: FrameLine, width: number, theme: Theme): string {
  const fitted = fitSegments(segments, width, theme.glyph.ellipsis);
  if (!theme.color) return fitted.map((s) => s.text).join('');
  const text = fitted
    .map((s) => {
      let t = s.text;
      if (s.bold) t = sgr('bold', t);
      if (s.dim) t = sgr('dim', t);
      if (s.colour) t = sgr(s.colour, t);
      return t;
    })
    .join('');
  return inverse ? sgr('inverse', text) : text;
}

/** The bytes of the first frame: the alternate screen, cursor hidden, every line from the top, cursor home for Ink. */
export function firstFrame(input: FrameInput): string {
  const frame = firstFrameLines(input);
  // A terminal too short for the frame (4 rows or fewer): Ink clears the screen and draws it whole there,
  // so there is nothing to draw ahead of it but the empty alternate screen.
  if (frame.length >= input.rows) return `${BEGIN_SYNC}${ENTER_SCREEN}${HIDE_CURSOR}${END_SYNC}`;
  const lines = frame.map((l) => lineText(l, input.columns, input.theme));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return `${BEGIN_SYNC}${ENTER_SCREEN}${HIDE_CURSOR}${lines.join('\r\n')}${HOME}${END_SYNC}`;
}

/** Draw the first frame on a terminal of the stream's size. */
export function drawFirstFrame(stdout: NodeJS.WriteStream, input: Omit<FrameInput, 'columns' | 'rows'>): void {
  stdout.write(firstFrame({ ...input, columns: stdout.columns || 80, rows: stdout.rows || 24 }));
}
