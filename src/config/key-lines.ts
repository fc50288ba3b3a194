/**
 * Where each key of a TOML document is, by line. smol-toml reports positions only for
 * syntax errors, so this scanner walks a document that smol-toml has already accepted and
 * records the line on which every key, table header and array element starts.
 *
 * Paths are arrays like zod's issue paths: `['health_check', 'interval_seconds']`,
 * `['backends', 2, 'url']` (`[[backends]]` tables are counted from 0, in order).
 *
 * It understands table headers (`[a.b]`, `[[backends]]`, with quoted or dotted keys and
 * sub-tables of array tables), dotted and quoted keys, comments, all four string forms
 * (multi-line ones included), and arrays and inline tables spanning lines. It never throws
 * and always moves forward, so on text smol-toml would reject it still ends, with a
 * best-effort map.
 */
export type KeyPath = readonly (string | number)[];

export interface KeyLines {
  /** The line of exactly this key, table or element; undefined when it is not written in the text. */
  exact(path: KeyPath): number | undefined;
  /**
   * The line of the key, or else of the nearest enclosing table or element that is written:
   * for a required key that is missing, the `[[backends]]` header of the table lacking it.
   */
  nearest(path: KeyPath): { line: number; exact: boolean } | undefined;
}

const BARE_KEY_CHAR = /[A-Za-z0-9_\-]/;

export function indexKeyLines(text: string): KeyLines {
  const lines = new Map<string, number>();
  const arrayTables = new Map<string, number>(); // resolved path → number of [[…]] headers so far
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const n = text.length;

  const id = (path: KeyPath): string => JSON.stringify(path);
  const lineAt = (pos: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  /** First definition wins; a path's own prefixes get the line too if not yet known (dotted keys define tables). */
  const record = (path: KeyPath, line: number): void => {
    for (let k = 1; k <= path.length; k++) {
      const key = id(path.slice(0, k));
      if (!lines.has(key)) lines.set(key, line);
    }
  };

  const skipSpaces = (i: number): number => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\r')) i++;
    return i;
  };
  const skipToEol = (i: number): number => {
    while (i < n && text[i] !== '\n') i++;
    return i;
  };
  /** Spaces, newlines and comments, as allowed between array elements (and, in TOML 1.1, inline table entries). */
  const skipBlank = (i: number): number => {
    for (;;) {
      i = skipSpaces(i);
      if (text[i] === '\n') i++;
      else if (text[i] === '#') i = skipToEol(i);
      else return i;
    }
  };

  /** A single-line basic string starting at the opening quote: [value, position after the closing quote]. */
  const readBasic = (i: number): [string, number] => {
    let out = '';
    let j = i + 1;
    while (j < n && text[j] !== '"' && text[j] !== '\n') {
      if (text[j] === '\\') {
        const e = text[j + 1];
        const simple: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', e: '\x1b', '"': '"', '\\': '\\' };
        if (e !== undefined && e in simple) {
          out += simple[e];
          j += 2;
        } else if (e === 'u' || e === 'U' || e === 'x') {
          const len = e === 'u' ? 4 : e === 'U' ? 8 : 2;
          const code = parseInt(text.slice(j + 2, j + 2 + len), 16);
          out += Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : '';
          j += 2 + len;
        } else {
          j += 2;
        }
      } else {
        out += text[j];
        j++;
      }
    }
    return [out, Math.min(n, j + 1)];
  };
  const readLiteral = (i: number): [string, number] => {
    let j = i + 1;
    while (j < n && text[j] !== "'" && text[j] !== '\n') j++;
    return [text.slice(i + 1, j), Math.min(n, j + 1)];
  };
  /** A multi-line string (`"""` or `'''`) starting at its opening delimiter: the position after it ends. */
  const skipMultiline = (i: number, quote: string): number => {
    let j = i + 3;
    while (j < n) {
      if (quote === '"' && text[j] === '\\') {
        j += 2;
        continue;
      }
      if (text.startsWith(quote.repeat(3), j)) {
        j += 3;
        // Up to two more quotes belong to the content: `""""a""""`.
        for (let extra = 0; extra < 2 && text[j] === quote; extra++) j++;
        return j;
      }
      j++;
    }
    return n;
  };

  /** A dotted key: [segments, position after it]. */
  const readKey = (i: number): [string[], number] => {
    const segs: string[] = [];
    let j = i;
    for (;;) {
      j = skipSpaces(j);
      const c = text[j];
      if (c === '"') {
        const [s, next] = readBasic(j);
        segs.push(s);
        j = next;
      } else if (c === "'") {
        const [s, next] = readLiteral(j);
        segs.push(s);
        j = next;
      } else {
        const start = j;
        while (j < n && BARE_KEY_CHAR.test(text[j] ?? '')) j++;
        if (j === start) return [segs, j];
        segs.push(text.slice(start, j));
      }
      j = skipSpaces(j);
      if (text[j] !== '.') return [segs, j];
      j++;
    }
  };

  /** Skip one value, recording the lines of array elements and inline-table keys inside it. */
  const readValue = (i: number, path: KeyPath): number => {
    let j = skipSpaces(i);
    const c = text[j];
    if (text.startsWith('"""', j)) return skipMultiline(j, '"');
    if (text.startsWith("'''", j)) return skipMultiline(j, "'");
    if (c === '"') return readBasic(j)[1];
    if (c === "'") return readLiteral(j)[1];
    if (c === '[') {
      j++;
      for (let index = 0; ; index++) {
        j = skipBlank(j);
        if (j >= n) return n;
        if (text[j] === ']') return j + 1;
        record([...path, index], lineAt(j));
        const before = j;
        j = skipBlank(readValue(j, [...path, index]));
        if (text[j] === ',') j++;
        else if (j === before) j++; // never stall
      }
    }
    if (c === '{') {
      j++;
      for (;;) {
        j = skipBlank(j);
        if (j >= n) return n;
        if (text[j] === '}') return j + 1;
        const before = j;
        const [segs, afterKey] = readKey(j);
        if (segs.length > 0) record([...path, ...segs], lineAt(j));
        j = skipSpaces(afterKey);
        if (text[j] === '=') j = readValue(j + 1, [...path, ...segs]);
        j = skipBlank(j);
        if (text[j] === ',') j++;
        else if (j === before) j++;
      }
    }
    // A number, boolean or date (dates may hold one space: `1979-05-27 07:32:00`).
    while (j < n && !',]}#\n'.includes(text[j] ?? '')) j++;
    return j;
  };

  /** A header's key with the current element index inserted after each array table it passes through. */
  const resolveHeader = (segs: string[], isArrayTable: boolean): (string | number)[] => {
    const out: (string | number)[] = [];
    segs.forEach((seg, k) => {
      out.push(seg);
      const key = id(out);
      const count = arrayTables.get(key);
      if (isArrayTable && k === segs.length - 1) {
        arrayTables.set(key, (count ?? 0) + 1);
        out.push(count ?? 0);
      } else if (count !== undefined) {
        out.push(count - 1);
      }
    });
    return out;
  };

  let table: (string | number)[] = [];
  let i = 0;
  while (i < n) {
    i = skipBlank(i);
    if (i >= n) break;
    const start = i;
    if (text[i] === '[') {
      const isArrayTable = text[i + 1] === '[';
      const [segs, afterKey] = readKey(i + (isArrayTable ? 2 : 1));
      table = resolveHeader(segs, isArrayTable);
      record(table, lineAt(start));
      i = skipToEol(afterKey);
      continue;
    }
    const [segs, afterKey] = readKey(i);
    if (segs.length === 0) {
      i = skipToEol(i + 1);
      continue;
    }
    const path = [...table, ...segs];
    record(path, lineAt(start));
    let j = skipSpaces(afterKey);
    if (text[j] === '=') j = readValue(j + 1, path);
    i = Math.max(j, start + 1);
  }

  return {
    exact: (path) => lines.get(id(path)),
    nearest: (path) => {
      for (let k = path.length; k >= 1; k--) {
        const line = lines.get(id(path.slice(0, k)));
        if (line !== undefined) return { line, exact: k === path.length };
      }
      return undefined;
    },
  };
}
