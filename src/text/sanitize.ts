import stripAnsi from 'strip-ansi';

/** Longest strings kept from the network (CONTRACT: model ids 512, messages 300). */
export const MAX_MODEL_ID = 512;
export const MAX_MESSAGE = 300;

// DCS, SOS, PM and APC strings carry a payload up to ST; strip-ansi only knows CSI and OSC.
const STRING_SEQUENCE = /(?:\u001b[PX^_]|[\u0090\u0098\u009e\u009f])[\s\S]*?(?:\u001b\\|\u009c|$)/g;
// OSC in its 8-bit form (U+009D): strip-ansi only knows `ESC ]`, so its payload (a window title, a link) would stay as text.
const C1_OSC = /\u009d[\s\S]*?(?:\u0007|\u001b\\|\u009c|$)/g;
const LINE_BREAKS = /[\t\n\r\v\f\u2028\u2029]+/g;
// C0, DEL, C1, and the bidi overrides/isolates that can reorder what a person reads.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Make a string that came over the network safe for a terminal, JSON and logs:
 * escape sequences and control characters removed, breaks become spaces, length bounded.
 */
export function cleanText(input: string, maxLength = MAX_MESSAGE): string {
  const text = stripAnsi(input.replace(STRING_SEQUENCE, '').replace(C1_OSC, ''))
    .replace(LINE_BREAKS, ' ')
    .replace(CONTROLS, '')
    .trim();
  return truncate(text, maxLength);
}

/** True when `text` has no control character (C0, DEL, C1) nor bidi override: safe to show as typed. */
export function isPrintable(text: string): boolean {
  return !new RegExp(CONTROLS.source).test(text);
}

/** Cut to at most `max` code points, marking the cut with `…`. */
export function truncate(text: string, max: number): string {
  const points = Array.from(text);
  if (points.length <= max) return text;
  return points.slice(0, Math.max(0, max - 1)).join('') + '…';
}
