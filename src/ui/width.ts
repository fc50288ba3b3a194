import stringWidth from 'string-width';

/** Printable ASCII only: one column per character, no need to segment graphemes. */
const ASCII = /^[\x20-\x7e]*$/;
const LIMIT = 4096;
const widths = new Map<string, number>();

/**
 * Display columns of a piece of text: string-width, with plain ASCII counted directly and anything else
 * remembered. The table measures every cell of every row on each update, mostly the same texts again
 * (names, glyphs, bars), and string-width segments each into graphemes (an object per character).
 */
export function textWidth(text: string): number {
  if (ASCII.test(text)) return text.length;
  let width = widths.get(text);
  if (width === undefined) {
    width = stringWidth(text);
    if (widths.size >= LIMIT) widths.clear();
    widths.set(text, width);
  }
  return width;
}
