/**
 * Terminal input as the keymap names it. Node's readline (`emitKeypressEvents`, see hooks/use-keys.ts)
 * splits what the terminal sends into keypresses: one per character of a chunk, an escape sequence as one
 * key even when it arrives over several reads, a lone Esc after a short wait, and the markers of a
 * bracketed paste. Here each keypress becomes the key names of `KEYMAP`, and a bracketed paste one
 * piece of text. Pure: knows nothing of Ink or streams.
 */
import { cleanText, isPrintable } from '../text/sanitize.js';

/** A keypress as readline emits it (`code` is set for an escape sequence: `[A`, `[5~`, `[200~`…). */
export interface Keypress {
  sequence?: string;
  name?: string;
  ctrl?: boolean;
  meta?: boolean;
  shift?: boolean;
  code?: string;
}

export type KeyEvent =
  /** `name` as the keymap names keys (`j`, `G`, `/`, `up`, `return`, `escape`, `ctrl+c`…); `text` what it types ('' for none). */
  | { kind: 'key'; name: string; text: string }
  /** A bracketed paste: its text, cleaned (no escape sequence, no control character, line breaks as spaces). */
  | { kind: 'paste'; text: string };

/** Longest paste kept (code points, once cleaned); a paste is text for the filter, not a document. */
export const MAX_PASTE = 200;
/** Raw characters collected for one paste at most (what is beyond is dropped as it arrives). */
const MAX_PASTE_RAW = 8_192;

const ESC = '\u001b';

const key = (name: string, text = ''): KeyEvent => ({ kind: 'key', name, text });

/** A key that is one character (no escape sequence). */
function charKey(ch: string): KeyEvent {
  switch (ch) {
    case '\r':
      return key('return');
    case '\n':
      return key('enter');
    case '\t':
      return key('tab');
    case '\b':
    case '\u007f':
      return key('backspace');
    case ESC:
      return key('escape');
  }
  const code = ch.codePointAt(0) ?? 0;
  // Ctrl+letter: 0x01 is Ctrl-A … 0x1a Ctrl-Z.
  if (code >= 1 && code <= 0x1a) return key(`ctrl+${String.fromCharCode(code + 0x60)}`);
  return isPrintable(ch) ? key(ch, ch) : key('');
}

/**
 * The keys one keypress stands for. Readline reads ESC followed by a character in the same read as
 * Alt+character; the dashboard binds no Alt key, and a person who types Esc then j quickly over a slow
 * link (or tmux `send-keys Escape j`) sends exactly that: so it is Esc, then the character. The same for
 * Esc Esc, which readline reads as one.
 */
export function keysOf(press: Keypress): KeyEvent[] {
  const sequence = press.sequence ?? '';
  if (press.code !== undefined) {
    // An escape sequence: named by readline (arrows, PgUp/PgDn, Delete…), modifiers aside. An Alt+arrow
    // (ESC ESC [A) is read as an arrow, as before.
    return press.name ? [key(press.name)] : [];
  }
  if (sequence === '') return press.name ? [key(press.name)] : [];
  return Array.from(sequence, charKey);
}

export interface KeyReader {
  /** The key events a keypress completes (none while a paste is being read). */
  take(press: Keypress): KeyEvent[];
  /** A paste is open (its end marker not seen yet). */
  readonly pasting: boolean;
  /** End an open paste now (its end marker never came): its text so far, as a paste. */
  endPaste(): KeyEvent[];
}

/** Keypresses → key events, with a bracketed paste (`ESC[200~` … `ESC[201~`) gathered into one. */
export function createKeyReader(): KeyReader {
  let paste: string | undefined;
  const endPaste = (): KeyEvent[] => {
    if (paste === undefined) return [];
    const text = Array.from(cleanText(paste, Infinity)).slice(0, MAX_PASTE).join('');
    paste = undefined;
    return text ? [{ kind: 'paste', text }] : [];
  };
  return {
    take(press) {
      if (press.name === 'paste-start') {
        // A start inside a paste (the end lost): what came so far is a paste of its own.
        const before = endPaste();
        paste = '';
        return before;
      }
      if (press.name === 'paste-end') return endPaste();
      if (paste !== undefined) {
        if (paste.length < MAX_PASTE_RAW) paste += press.sequence ?? '';
        return [];
      }
      return keysOf(press);
    },
    get pasting() {
      return paste !== undefined;
    },
    endPaste,
  };
}
