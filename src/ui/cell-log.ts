/**
 * Ink's incremental renderer (its log-update) redrawn cell by cell: the same calls Ink makes (a frame, clear,
 * sync, done, the cursor), but a frame sends only the cells that changed (./cell-diff.ts) where Ink's own
 * rewrites every changed line whole. src/ink-patches.mjs puts it in place of Ink's for `incrementalRendering`.
 *
 * What the screen then shows is what Ink's line renderer shows, frame for frame (src/ui/cell-log.test.ts
 * drives both through the same frames in a terminal emulator). Where this renderer cannot know the screen
 * it hands the frame to Ink's: after a resize (the terminal may have reflowed the rows), after a frame that
 * reached the terminal's last row (it may have scrolled), and for good once a component places the
 * terminal's cursor (Ink's cursor bookkeeping is kept as it is).
 */
import { drawRow, moveTo, parseLine, type Cursor, type Row } from './cell-diff.js';

/** The renderer Ink's log-update.js creates: a function drawing a frame, with these methods. */
export interface LogUpdate {
  (str: string): boolean;
  clear(): void;
  done(): void;
  sync(str: string): void;
  setCursorPosition(position: { x: number; y: number } | undefined): void;
  isCursorDirty(): boolean;
  willRender(str: string): boolean;
}

export interface LogStream {
  write(data: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
}

type LineRenderer = (stream: LogStream, options: { showCursor: boolean }) => LogUpdate;

/** cli-cursor, as Ink's renderer hides and shows the cursor (only on a terminal; shown again at exit). */
export interface CursorControl {
  hide(stream: LogStream): void;
  show(stream: LogStream): void;
}

/** ansi-escapes' eraseLines(n), as Ink's renderer erases its frame: each line from the bottom up, then column 1. */
const eraseLines = (n: number): string => {
  let out = '';
  for (let i = 0; i < n; i++) out += `\u001b[2K${i < n - 1 ? '\u001b[1A' : ''}`;
  return n > 0 ? `${out}\u001b[G` : '';
};

const visibleCount = (lines: readonly string[], str: string): number => (str.endsWith('\n') ? lines.length - 1 : lines.length);

/**
 * A log-update renderer that writes only the cells that changed; `lineRenderer` is Ink's own, for the frames
 * it hands over, and `cursor` the cursor control Ink's uses.
 */
export function createCellLog(stream: LogStream, { showCursor = false } = {}, lineRenderer: LineRenderer, cursor: CursorControl): LogUpdate {
  let previousOutput = '';
  /** Lines of the previous frame, as split (a trailing newline leaves a last empty one). */
  let previousLineCount = 0;
  let rows: Row[] = [];
  let cur: Cursor = { row: 0, col: 0, sgr: '', reach: 0 };
  let size = '';
  let hasHiddenCursor = false;
  /** Where the cursor is is not known (Ink wrote a frame itself): the next frame goes to Ink's renderer. */
  let unsure = false;
  /** Ink's renderer, once the cursor is placed by a component: every call goes to it from then on. */
  let handedOver: LogUpdate | undefined;

  const sizeOf = (): string => `${stream.columns ?? 0}x${stream.rows ?? 0}`;
  const width = (): number => stream.columns || 80;

  /** After `str` went to the screen whole from the cursor's row 0 (or by Ink's renderer): what is known of it. */
  const settle = (str: string, trust: Row['trust']): void => {
    const lines = str.split('\n');
    const visible = visibleCount(lines, str);
    previousOutput = str;
    previousLineCount = lines.length;
    rows = lines.slice(0, visible).map((line) => ({ line, cells: trust === 'none' ? undefined : parseLine(line), trust }));
    const end = str.endsWith('\n') ? visible : Math.max(0, visible - 1);
    cur = { row: end, col: str.endsWith('\n') ? 0 : -1, sgr: '', reach: end };
  };

  /** Ink's renderer draws this frame from the state this one is in. */
  const lineRendererFrame = (str: string): void => {
    const line = lineRenderer(stream, { showCursor: true });
    line.sync(previousOutput);
    line(str);
    // The terminal may have reflowed what was there: each row is rewritten whole when it next changes.
    settle(str, 'none');
  };

  const render = ((str: string): boolean => {
    if (handedOver) return handedOver(str);
    if (!showCursor && !hasHiddenCursor) {
      cursor.hide(stream);
      hasHiddenCursor = true;
    }
    if (str === previousOutput) return false;
    const now = sizeOf();
    const resized = size !== '' && now !== size;
    size = now;
    if (previousOutput === '' || str === '\n') {
      unsure = false;
      // The first frame (or one after clear): written whole, as Ink writes it.
      stream.write(eraseLines(previousLineCount) + str);
      // Its cells are known (what it just wrote), not what may follow them on each row.
      settle(str, 'cells');
      return true;
    }
    // Resized (the terminal may have reflowed or scrolled the rows), after Ink wrote a frame itself, or the
    // frame reached the terminal's last row (its top may have scrolled out, where no relative move can
    // reach): Ink's renderer draws from there, moving up as far as the terminal lets it, as before.
    if (resized || unsure || cur.reach >= (stream.rows || Number.POSITIVE_INFINITY)) {
      unsure = false;
      lineRendererFrame(str);
      return true;
    }
    const lines = str.split('\n');
    const visible = visibleCount(lines, str);
    const w = width();
    let out = '';
    const next: Row[] = [];
    for (let y = 0; y < visible; y++) {
      const line = lines[y]!;
      const before = rows[y];
      if (before && before.line === line) {
        next.push(before);
        continue;
      }
      const drawn = drawRow(cur, y, before, line, w);
      out += drawn.out;
      next.push(drawn.row);
    }
    // Where the frame ends: the line after it (or its last line, with no newline at the end); below it, nothing.
    const trailing = str.endsWith('\n');
    const end = trailing ? visible : Math.max(0, visible - 1);
    if (cur.sgr !== '') {
      out += '\u001b[m';
      cur.sgr = '';
    }
    if (visible < rows.length) {
      out += `${moveTo(cur, visible, 0)}\u001b[J`;
      if (!trailing) out += moveTo(cur, end, 0);
    } else out += moveTo(cur, end, 0);
    stream.write(out);
    rows = next;
    previousOutput = str;
    previousLineCount = lines.length;
    return true;
  }) as LogUpdate;

  render.clear = () => {
    if (handedOver) return handedOver.clear();
    stream.write(eraseLines(previousLineCount));
    previousOutput = '';
    previousLineCount = 0;
    rows = [];
    cur = { row: 0, col: 0, sgr: '', reach: 0 };
  };
  render.done = () => {
    if (handedOver) return handedOver.done();
    previousOutput = '';
    previousLineCount = 0;
    rows = [];
    cur = { row: 0, col: 0, sgr: '', reach: 0 };
    if (!showCursor) {
      cursor.show(stream);
      hasHiddenCursor = false;
    }
  };
  render.sync = (str: string) => {
    if (handedOver) return handedOver.sync(str);
    // Ink wrote it (without its last newline, whatever `str` ends with), or says the screen shows it after it
    // erased it: trusted for nothing, and the cursor's row not known.
    settle(str, 'none');
    unsure = true;
    size = sizeOf();
  };
  render.setCursorPosition = (position) => {
    if (handedOver) return handedOver.setCursorPosition(position);
    // No cursor asked for (Ink says so after every external write): nothing to hand over.
    if (position === undefined) return;
    // Ink's renderer takes over from the frame on screen now.
    handedOver = lineRenderer(stream, { showCursor });
    handedOver.sync(previousOutput);
    handedOver.setCursorPosition(position);
  };
  render.isCursorDirty = () => (handedOver ? handedOver.isCursorDirty() : false);
  render.willRender = (str: string) => (handedOver ? handedOver.willRender(str) : str !== previousOutput);
  return render;
}
