import type { Health, Status } from '../health/state.js';

/** Colour names Ink (chalk) understands. */
export type Colour = 'green' | 'red' | 'yellow' | 'cyan' | 'gray' | 'magenta' | 'blue';

export interface Theme {
  /** False under NO_COLOR / --no-color: no SGR escapes at all, meaning carried by words and glyphs. */
  color: boolean;
  /** False when the locale is not UTF-8: ASCII only. */
  unicode: boolean;
  glyph: { selected: string; checking: string; ellipsis: string; stale: string; separator: string; failure: string; success: string };
  statusGlyph(status: Health): string;
  statusColour(status: Status): Colour | undefined;
}

const COLOURS: Record<Status, Colour> = {
  healthy: 'green',
  unhealthy: 'red',
  loading: 'yellow',
  unknown: 'gray',
  draining: 'blue',
};

const UNICODE_STATUS: Record<Health, string> = { healthy: '●', unhealthy: '✖', loading: '◐', unknown: '?' };
const ASCII_STATUS: Record<Health, string> = { healthy: '+', unhealthy: 'x', loading: '~', unknown: '?' };

export function makeTheme(options: { color: boolean; unicode: boolean }): Theme {
  const { color, unicode } = options;
  return {
    color,
    unicode,
    glyph: unicode
      ? { selected: '›', checking: '↻', ellipsis: '…', stale: '*', separator: '·', failure: '✖', success: '●' }
      : { selected: '>', checking: '*', ellipsis: '~', stale: '*', separator: '|', failure: 'x', success: '+' },
    statusGlyph: (h) => (unicode ? UNICODE_STATUS : ASCII_STATUS)[h],
    statusColour: (s) => (color ? COLOURS[s] : undefined),
  };
}

/** NO_COLOR (any non-empty value) or --no-color turns colour off; FORCE_COLOR turns it on; otherwise colour on a TTY. */
export function wantsColor(env: Record<string, string | undefined>, flag: boolean | undefined, isTTY: boolean): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return isTTY && env.TERM !== 'dumb';
}

/** A UTF-8 locale? The first of LC_ALL, LC_CTYPE, LANG that is set decides, as the C library does. */
export function wantsUnicode(env: Record<string, string | undefined>): boolean {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(locale);
}
