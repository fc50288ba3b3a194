/**
 * The screen as cells, and the fewest bytes that turn one screen into the next (htop's, tmux's and ratatui's
 * way of drawing): each line of a frame (text with SGR escapes, as Ink's screen buffer writes it) parsed
 * into cells (a character and its attributes; a wide character takes two), compared with the row already on
 * the terminal, and only the runs of cells that changed written: a cursor move to each (the shortest one),
 * its text, an SGR escape only where the attributes change, an erase to the end of the line where the row
 * got shorter. Text that moved sideways (a HISTORY strip taking its step) is shifted by the terminal itself
 * (delete or insert characters) when that is shorter, and a row's runs may go right to left when the cursor
 * comes from the right.
 *
 * Pure: strings in, strings out. Positions are relative to the frame's top-left corner, where the cursor
 * was when the frame was first drawn; moving below the rows drawn so far goes through `\r\n` (which scrolls
 * when it must, as writing the frame did), every other move is a relative cursor escape.
 */
import stringWidth from 'string-width';

/** A cell: its character ('' for the right half of a wide one) and its attributes (an SGR key, '' = none). */
export interface Cell {
  readonly ch: string;
  readonly sgr: string;
}

/**
 * A row of the frame as the terminal shows it. `cells` undefined: a line whose layout only the terminal
 * knows (a character whose width terminals disagree on, an escape other than SGR); it is rewritten whole
 * whenever it changes, as Ink does. `trust`: what is known of what the terminal shows there — 'full' (the
 * cells, then blanks), 'cells' (the cells; whatever was there before may follow them), 'none' (nothing: the
 * next change rewrites the row whole).
 */
export interface Row {
  readonly line: string;
  readonly cells: readonly Cell[] | undefined;
  readonly trust: 'full' | 'cells' | 'none';
}

const ESC = '\u001b[';

// SGR attributes, one slot each; bold and dim share their end code (22).
const SLOTS = ['bold', 'dim', 'italic', 'underline', 'blink', 'inverse', 'hidden', 'strike', 'fg', 'bg'] as const;
const FLAG_ON: Record<string, number> = { '1': 0, '2': 1, '3': 2, '4': 3, '5': 4, '7': 5, '8': 6, '9': 7 };
const OFF: Record<string, readonly number[]> = { '22': [0, 1], '23': [2], '24': [3], '25': [4], '27': [5], '28': [6], '29': [7], '39': [8], '49': [9] };
const OFF_CODE = ['22', '22', '23', '24', '25', '27', '28', '29', '39', '49'];
const FG = 8;
const BG = 9;

/** Attributes as slot values ('' = off); their key joins them. */
type Attrs = string[];
const keyOf = (attrs: Attrs): string => (attrs.some((a) => a !== '') ? attrs.join(';') : '');
const attrsOf = (key: string): Attrs => (key === '' ? SLOTS.map(() => '') : key.split(';'));

/** Apply one SGR escape's parameters; false if one is not modelled here (the line is then kept opaque). */
function applySgr(attrs: Attrs, params: string): boolean {
  const p = params === '' ? ['0'] : params.split(';');
  for (let i = 0; i < p.length; i++) {
    const code = p[i] === '' ? '0' : p[i]!;
    const n = Number(code);
    if (!/^\d+$/.test(code)) return false;
    if (n === 0) attrs.fill('');
    else if (FLAG_ON[String(n)] !== undefined) attrs[FLAG_ON[String(n)]!] = String(n);
    else if (OFF[String(n)]) for (const slot of OFF[String(n)]!) attrs[slot] = '';
    else if ((n >= 30 && n <= 37) || (n >= 90 && n <= 97)) attrs[FG] = String(n);
    else if ((n >= 40 && n <= 47) || (n >= 100 && n <= 107)) attrs[BG] = String(n);
    else if (n === 38 || n === 48) {
      // 38;5;N or 38;2;R;G;B (kept as one value; ',' stands for ';' inside the key).
      const take = p[i + 1] === '5' ? 2 : p[i + 1] === '2' ? 4 : -1;
      if (take < 0 || i + take >= p.length || !p.slice(i + 1, i + 1 + take).every((x) => /^\d+$/.test(x))) return false;
      attrs[n === 38 ? FG : BG] = [String(n), ...p.slice(i + 1, i + 1 + take)].join(',');
      i += take;
    } else return false;
  }
  return true;
}

/** The shortest SGR escape from attributes `from` to `to` (both keys): their differences, or a reset and all of `to`. */
export function sgrTransition(from: string, to: string): string {
  if (from === to) return '';
  let byFrom = transitions.get(from);
  if (byFrom === undefined) {
    if (transitions.size >= 256) transitions.clear();
    byFrom = new Map();
    transitions.set(from, byFrom);
  }
  let out = byFrom.get(to);
  if (out === undefined) {
    out = transition(from, to);
    if (byFrom.size < 256) byFrom.set(to, out);
  }
  return out;
}
const transitions = new Map<string, Map<string, string>>();

function transition(from: string, to: string): string {
  if (to === '') return `${ESC}m`;
  const a = attrsOf(from);
  const b = attrsOf(to);
  const setAll = b.filter((v) => v !== '').map((v) => v.replace(/,/g, ';'));
  const reset = `${ESC}0;${setAll.join(';')}m`;
  if (from === '') return `${ESC}${setAll.join(';')}m`;
  const params: string[] = [];
  // Bold or dim turned off: 22 ends both, so one still wanted is set again after it.
  const intensityOff = (a[0] !== '' && b[0] === '') || (a[1] !== '' && b[1] === '');
  if (intensityOff) params.push('22');
  for (let s = 2; s < SLOTS.length; s++) if (a[s] !== '' && b[s] === '') params.push(OFF_CODE[s]!);
  for (let s = 0; s < SLOTS.length; s++) {
    const again = intensityOff && s < 2 && b[s] !== '';
    if (b[s] !== '' && (b[s] !== a[s] || again)) params.push(b[s]!.replace(/,/g, ';'));
  }
  const diff = `${ESC}${params.join(';')}m`;
  return diff.length <= reset.length ? diff : reset;
}

/**
 * A character's width if it is the same on every terminal: printable, outside the emoji planes (whose widths
 * follow the terminal's Unicode version), and not part of a cluster (a mark, a joiner, a variation selector:
 * how a terminal lays those out varies). -1 for anything else, which keeps its line opaque.
 */
function widthOf(ch: string): number {
  const known = widths.get(ch);
  if (known !== undefined) return known;
  const cp = ch.codePointAt(0)!;
  let w = -1;
  if (cp >= 0xa0 && cp < 0x1f000 && !CLUSTERED.test(ch)) {
    const measured = stringWidth(ch);
    if (measured === 1 || measured === 2) w = measured;
  }
  if (widths.size >= 4096) widths.clear();
  widths.set(ch, w);
  return w;
}
const widths = new Map<string, number>();
const CLUSTERED = /[\p{M}\p{Cf}\p{Cs}\p{Co}\p{Cn}]/u;

/** What an SGR escape does to the attributes in force (by their key), remembered: a few escapes recur. */
function afterSgr(key: string, params: string): string | undefined {
  let byKey = sgrMemo.get(key);
  if (byKey === undefined) {
    if (sgrMemo.size >= 256) sgrMemo.clear();
    byKey = new Map();
    sgrMemo.set(key, byKey);
  }
  let next = byKey.get(params);
  if (next === undefined) {
    const attrs = attrsOf(key);
    next = applySgr(attrs, params) ? keyOf(attrs) : '\u0000';
    if (byKey.size < 256) byKey.set(params, next);
  }
  return next === '\u0000' ? undefined : next;
}
const sgrMemo = new Map<string, Map<string, string>>();

const parsed = new Map<string, readonly Cell[] | undefined>();

/** A frame's line as cells, or undefined if its layout cannot be known here (see widthOf, applySgr). */
export function parseLine(line: string): readonly Cell[] | undefined {
  if (parsed.has(line)) return parsed.get(line);
  const cells = parseUncached(line);
  if (parsed.size >= 64) parsed.clear();
  parsed.set(line, cells);
  return cells;
}

/** One object per character and attributes: cells compare by identity, and a frame allocates none anew. */
function cellsOf(sgr: string): Map<string, Cell> {
  let bySgr = interned.get(sgr);
  if (bySgr === undefined) {
    if (interned.size >= 256) interned.clear();
    bySgr = new Map();
    interned.set(sgr, bySgr);
  }
  return bySgr;
}
function cellOf(bySgr: Map<string, Cell>, ch: string, sgr: string): Cell {
  let cell = bySgr.get(ch);
  if (cell === undefined) {
    cell = { ch, sgr };
    if (bySgr.size < 4096) bySgr.set(ch, cell);
  }
  return cell;
}
const interned = new Map<string, Map<string, Cell>>();

function parseUncached(line: string): Cell[] | undefined {
  const cells: Cell[] = [];
  let key = '';
  let bySgr = cellsOf(key);
  let i = 0;
  const n = line.length;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === 0x1b) {
      // Only SGR escapes (ESC [ digits and semicolons m) are modelled.
      if (line.charCodeAt(i + 1) !== 0x5b) return undefined;
      let j = i + 2;
      while (j < n && ((line.charCodeAt(j) >= 0x30 && line.charCodeAt(j) <= 0x39) || line.charCodeAt(j) === 0x3b)) j++;
      if (line.charCodeAt(j) !== 0x6d) return undefined;
      const next = afterSgr(key, line.slice(i + 2, j));
      if (next === undefined) return undefined;
      if (next !== key) bySgr = cellsOf(next);
      key = next;
      i = j + 1;
    } else if (c >= 0x20 && c < 0x7f) {
      cells.push(cellOf(bySgr, line[i]!, key));
      i++;
    } else {
      const cp = line.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      const w = widthOf(ch);
      if (w < 0) return undefined;
      cells.push(cellOf(bySgr, ch, key));
      if (w === 2) cells.push(cellOf(bySgr, '', key));
      i += ch.length;
    }
  }
  return cells;
}

const BLANK: Cell = { ch: ' ', sgr: '' };
/** What a string costs on the wire (UTF-8). */
const bytes = (s: string): number => Buffer.byteLength(s);
const same = (a: Cell | undefined, b: Cell | undefined): boolean => a === b || ((a ?? BLANK).ch === (b ?? BLANK).ch && (a ?? BLANK).sgr === (b ?? BLANK).sgr);
const num = (n: number): string => (n === 1 ? '' : String(n));

/** Where the cursor is, relative to the frame's top-left; col -1: not known (after the last column). */
export interface Cursor {
  row: number;
  col: number;
  /** The attributes in force. */
  sgr: string;
  /** The lowest row the cursor has been on: a move below it goes through `\r\n`. */
  reach: number;
}

/** The escapes that move the cursor to (row, col). */
export function moveTo(cur: Cursor, row: number, col: number): string {
  let out = '';
  if (row > cur.reach) {
    // Rows never drawn yet: reached as writing the frame reaches them, a new line at a time.
    out += row > cur.row && cur.reach > cur.row ? `${ESC}${num(cur.reach - cur.row)}B` : cur.reach < cur.row ? `${ESC}${num(cur.row - cur.reach)}A` : '';
    out += '\r\n'.repeat(row - cur.reach);
    cur.reach = row;
    cur.row = row;
    cur.col = 0;
  } else if (row !== cur.row) {
    const up = row < cur.row;
    const n = num(Math.abs(row - cur.row));
    cur.row = row;
    if (col === 0) {
      // Next / previous line: to the first column as well.
      cur.col = 0;
      return out + `${ESC}${n}${up ? 'F' : 'E'}`;
    }
    out += `${ESC}${n}${up ? 'A' : 'B'}`;
  }
  if (cur.col === col) return out;
  // The shortest of: carriage return, forward or back by n, backspaces, the column itself.
  const options: string[] = [];
  if (col === 0) options.push('\r');
  if (cur.col >= 0 && col > cur.col) options.push(`${ESC}${num(col - cur.col)}C`);
  if (cur.col >= 0 && col < cur.col && cur.col - col <= 2) options.push('\b'.repeat(cur.col - col));
  if (cur.col >= 0 && col < cur.col) options.push(`${ESC}${num(cur.col - col)}D`);
  options.push(`${ESC}${col + 1}G`);
  cur.col = col;
  return out + options.reduce((a, b) => (b.length < a.length ? b : a));
}

/** A row rewritten whole, as Ink's line renderer writes a changed line: the line, then erase to its end. */
function rewrite(cur: Cursor, y: number, line: string, width: number, cells: readonly Cell[] | undefined): string {
  let out = moveTo(cur, y, 0);
  if (cur.sgr !== '') out += `${ESC}m`;
  out += `${line}${ESC}K`;
  // Ink's lines end unstyled; an opaque one leaves the attributes unknown, so the next text resets them.
  cur.sgr = cells ? '' : '?';
  cur.col = cells && cells.length < width ? cells.length : -1;
  return out;
}

/** The bytes that turn row `before` (on screen at row y) into line `line`, in a terminal `width` wide. */
export function drawRow(cur: Cursor, y: number, before: Row | undefined, line: string, width: number): { out: string; row: Row } {
  const cells = parseLine(line);
  const row: Row = { line, cells, trust: 'full' };
  if (!cells || !before || !before.cells || before.trust === 'none') return { out: rewrite(cur, y, line, width, cells), row };
  // The plain diff; then, on a row known whole, text that moved sideways (a HISTORY strip taking a step, a
  // column growing by a character) deleted or inserted in place by the terminal (DCH, ICH) before what still
  // differs is written, if that is shorter. Up to two such shifts a row.
  let state = { cursor: { ...cur }, old: before.cells, prefix: '' };
  // The runs left to right or right to left, whichever the cursor reaches for less.
  const plain = (shifted: readonly Cell[], from: Cursor, tailUnknown: boolean): { out: string; cursor: Cursor } => {
    const forward = { ...from };
    const backward = { ...from };
    const a = diffCells(forward, y, shifted, cells, width, tailUnknown);
    const b = diffCells(backward, y, shifted, cells, width, tailUnknown, true);
    return bytes(b) < bytes(a) ? { out: b, cursor: backward } : { out: a, cursor: forward };
  };
  let best = plain(state.old, cur, before.trust === 'cells');
  for (let pass = 0; pass < 2 && before.trust === 'full'; pass++) {
    let next: typeof state | undefined;
    let done = false;
    for (const shift of shifts(state.old, cells, width)) {
      // First what differs left of the shift, then the shift, then what differs after it: no going back.
      if (pass === 0 && cells[shift.at]?.ch !== '') {
        const c: Cursor = { ...cur };
        let op = diffCells(c, y, state.old, cells, width, false, false, 0, shift.at) + moveTo(c, y, shift.at);
        if (c.sgr !== '') {
          op += `${ESC}m`;
          c.sgr = '';
        }
        op += `${ESC}${num(shift.count)}${shift.kind === 'delete' ? 'P' : '@'}`;
        op += diffCells(c, y, shift.row, cells, width, false, false, shift.at);
        if (bytes(op) < bytes(best.out)) {
          best = { out: op, cursor: c };
          next = undefined;
          done = true;
        }
      }
      const c: Cursor = { ...state.cursor };
      let op = state.prefix + moveTo(c, y, shift.at);
      if (c.sgr !== '') {
        // The blanks a deletion or insertion brings take the background in force.
        op += `${ESC}m`;
        c.sgr = '';
      }
      op += `${ESC}${num(shift.count)}${shift.kind === 'delete' ? 'P' : '@'}`;
      const rest = plain(shift.row, c, false);
      if (bytes(op) + bytes(rest.out) < bytes(best.out)) {
        best = { out: op + rest.out, cursor: rest.cursor };
        next = { cursor: c, old: shift.row, prefix: op };
        done = false;
      }
    }
    if (!next || done) break;
    state = next;
  }
  Object.assign(cur, best.cursor);
  return { out: best.out, row };
}

interface Shift {
  kind: 'delete' | 'insert';
  at: number;
  count: number;
  /** The row as the terminal shows it after the shift. */
  row: readonly Cell[];
}

/** Deletions and insertions of 1–3 cells at the start of a changed run that line the old row up with the new. */
function* shifts(old: readonly Cell[], cells: readonly Cell[], width: number): Generator<Shift> {
  const n = Math.max(old.length, cells.length);
  let starts = 0;
  for (let p = 0; p < n && starts < 8; p++) {
    if (same(old[p], cells[p]) || (p > 0 && !same(old[p - 1], cells[p - 1]))) continue;
    starts++;
    if (old[p]?.ch === '') continue;
    for (let k = 1; k <= 3; k++) {
      // Delete k at p: old[p + k…] comes to p (blanks in at the right edge).
      if (same(cells[p], old[p + k]) && same(cells[p + 1], old[p + k + 1]) && old[p + k]?.ch !== '' && p + k < old.length) {
        yield { kind: 'delete', at: p, count: k, row: [...old.slice(0, p), ...old.slice(p + k)] };
      }
      // Insert k at p: old[p…] moves to p + k (what passes the right edge is lost).
      if (same(cells[p + k], old[p]) && same(cells[p + k + 1], old[p + 1]) && p + k < width) {
        const row = [...old.slice(0, p), ...Array.from({ length: k }, () => BLANK), ...old.slice(p)].slice(0, width);
        if (row.length === width && row[width - 1]!.ch !== '' && old[width - k]?.ch === '') continue;
        yield { kind: 'insert', at: p, count: k, row };
      }
    }
  }
}

/** Cells `old` (on screen at row y, then blanks) turned into `cells` by writing the runs that differ. */
function diffCells(cur: Cursor, y: number, old: readonly Cell[], cells: readonly Cell[], width: number, tailUnknown: boolean, reverse = false, lo = 0, hi = Number.POSITIVE_INFINITY): string {
  const n = cells.length;
  // Only the cells from lo to hi; the erase of what follows the line only with the end of it.
  let tail = hi > n && tailUnknown;
  for (let x = n; x < old.length && !tail && hi > n; x++) if (!same(old[x], BLANK)) tail = true;
  // Runs of changed cells: [start, end) pairs, a wide character never cut in two.
  const runs: Array<[number, number]> = [];
  for (let x = lo; x < Math.min(n, hi); x++) {
    if (same(old[x], cells[x])) continue;
    let start = x;
    while (start > 0 && cells[start]!.ch === '') start--;
    let end = x + 1;
    while (end < n && cells[end]!.ch === '') end++;
    const last = runs.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else runs.push([start, end]);
    x = end - 1;
  }
  // A short gap between two runs is written through when that is no longer than a cursor move over it.
  for (let r = runs.length - 2; r >= 0; r--) {
    const [start, end] = runs[r]!;
    const [nextStart, nextEnd] = runs[r + 1]!;
    const after = sgrAfter(cells, start, end);
    const through = textFrom(after, cells, end, nextStart);
    const jump = `${ESC}${num(nextStart - end)}C` + sgrTransition(after, cells[nextStart]!.sgr);
    if (bytes(through.out) + sgrTransition(through.sgr, cells[nextStart]!.sgr).length <= jump.length) runs.splice(r, 2, [start, nextEnd]);
  }
  let out = '';
  const erase = (): void => {
    if (!tail || n >= width) return;
    out += moveTo(cur, y, n);
    if (cur.sgr !== '') {
      out += `${ESC}m`;
      cur.sgr = '';
    }
    out += `${ESC}K`;
  };
  // Right to left, the erase first: cheaper when the cursor comes from the right (the row above ended there).
  if (reverse) {
    erase();
    runs.reverse();
  }
  for (const [start, end] of runs) {
    out += moveTo(cur, y, start);
    const text = textFrom(cur.sgr, cells, start, end);
    out += text.out;
    cur.sgr = text.sgr;
    cur.col = end < width ? end : -1;
  }
  if (!reverse) erase();
  return out;
}

/** The attributes in force after writing cells [start, end) (a run is never empty). */
function sgrAfter(cells: readonly Cell[], start: number, end: number): string {
  for (let x = end - 1; x >= start; x--) if (cells[x]!.ch !== '') return cells[x]!.sgr;
  return cells[start]!.sgr;
}

/** Cells [start, end) as text with their attributes, starting from attributes `sgr` ('?': not known). */
function textFrom(sgr: string, cells: readonly Cell[], start: number, end: number): { out: string; sgr: string } {
  let out = '';
  for (let x = start; x < end; x++) {
    const c = cells[x]!;
    if (c.ch === '') continue;
    if (c.sgr !== sgr) out += sgr === '?' ? `${ESC}m${sgrTransition('', c.sgr)}` : sgrTransition(sgr, c.sgr);
    sgr = c.sgr;
    out += c.ch;
  }
  return { out, sgr };
}
