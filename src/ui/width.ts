import stringWidth from 'string-width';

/**
 * Printable ASCII, and the one-column symbols the dashboard itself draws (status and theme glyphs, history
 * bars, arrow keys): one column per character, nothing to segment into graphemes.
 */
export const NARROW_SYMBOLS = '·…›↻●✖◐◌▁▂▃▄▅▆▇█↑↓';
const NARROW = new RegExp(`^[\\x20-\\x7e${NARROW_SYMBOLS}]*$`);
const LIMIT = 4096;
const widths = new Map<string, number>();

/**
 * Display columns of a piece of text: string-width, with the narrow text above counted directly and
 * anything else remembered. The table measures every cell of every row on each update, mostly the same
 * texts again (names, glyphs, bars), and string-width segments each into graphemes (an object per
 * character). The fast path also keeps string-width from being called at all while the first frame is
 * drawn for a fleet with plain names: dist/cli.js loads it on its first call (src/bundle.mjs), and
 * loading it (Intl.Segmenter, Unicode tables) costs more than drawing the frame.
 */
export function textWidth(text: string): number {
  if (NARROW.test(text)) return text.length;
  let width = widths.get(text);
  if (width === undefined) {
    width = stringWidth(text);
    if (widths.size >= LIMIT) widths.clear();
    widths.set(text, width);
  }
  return width;
}
