import { EventEmitter } from 'node:events';
import { emitKeypressEvents, type Interface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { createKeyReader, MAX_PASTE, type KeyEvent, type Keypress } from './keys.js';

/** Reads as a terminal sends them, decoded by readline (as the dashboard does), as key events. */
function decode(...reads: string[]): KeyEvent[] {
  const stream = new EventEmitter();
  emitKeypressEvents(stream as unknown as NodeJS.ReadableStream, { escapeCodeTimeout: 50 } as unknown as Interface);
  const reader = createKeyReader();
  const out: KeyEvent[] = [];
  stream.on('keypress', (_s: string | undefined, press: Keypress) => out.push(...reader.take(press)));
  for (const r of reads) stream.emit('data', r);
  return out;
}
const names = (events: KeyEvent[]): string[] => events.map((e) => (e.kind === 'key' ? e.name : `paste:${e.text}`));

describe('key events from terminal input', () => {
  it('one per character of a read, named as the keymap names them', () => {
    expect(names(decode('gjj\r'))).toEqual(['g', 'j', 'j', 'return']);
    expect(names(decode('/oll'))).toEqual(['/', 'o', 'l', 'l']);
    expect(names(decode('G?+-\u0003\u007f\t'))).toEqual(['G', '?', '+', '-', 'ctrl+c', 'backspace', 'tab']);
    expect(decode('é 😀')).toEqual([
      { kind: 'key', name: 'é', text: 'é' },
      { kind: 'key', name: ' ', text: ' ' },
      { kind: 'key', name: '😀', text: '😀' },
    ]);
  });

  it('escape sequences as one key each, in a read with other keys or split over reads', () => {
    expect(names(decode('\u001b[Aj\u001b[B\u001b[5~\u001b[6~\u001b[3~\u001bOA'))).toEqual(['up', 'j', 'down', 'pageup', 'pagedown', 'delete', 'up']);
    expect(names(decode('\u001b', '[A'))).toEqual(['up']);
    expect(names(decode('\u001b[', 'B'))).toEqual(['down']);
    expect(names(decode('\u001b[1;5A'))).toEqual(['up']); // Ctrl+Up
  });

  it('Esc then a key in one read is Esc, then the key (the dashboard binds no Alt key)', () => {
    expect(names(decode('\u001bj'))).toEqual(['escape', 'j']);
    expect(names(decode('\u001b\u0003'))).toEqual(['escape', 'ctrl+c']);
    expect(names(decode('\u001b\u001bq'))).toEqual(['escape', 'escape', 'q']);
    expect(names(decode('\u001b\r'))).toEqual(['escape', 'return']);
  });

  it('only printable characters type text', () => {
    const typed = decode('a\u0007\u001b[31m\u202eb\u0000').filter((e) => e.kind === 'key' && e.text !== '');
    expect(typed.map((e) => (e.kind === 'key' ? e.text : ''))).toEqual(['a', 'b']);
  });

  it('a bracketed paste is one piece of text, cleaned, whatever reads it came in', () => {
    expect(decode('\u001b[200~oll\u001b[201~')).toEqual([{ kind: 'paste', text: 'oll' }]);
    expect(decode('\u001b[200~ol', 'l\u001b[2', '01~')).toEqual([{ kind: 'paste', text: 'oll' }]);
    expect(decode('\u001b[200~\u001b[31mgpu\u0007\r\n1\u001b]0;title\u0007\u001b[201~')).toEqual([{ kind: 'paste', text: 'gpu 1' }]);
    // Keys around it stay keys; a paste of nothing but control characters is nothing.
    expect(names(decode('/\u001b[200~q\u001b[201~\rj'))).toEqual(['/', 'paste:q', 'return', 'j']);
    expect(decode('\u001b[200~\u0007\u001b[201~')).toEqual([]);
  });

  it('bounds a paste, and ends one whose end marker never came', () => {
    const long = decode(`\u001b[200~${'x'.repeat(10_000)}\u001b[201~`);
    expect(long).toEqual([{ kind: 'paste', text: 'x'.repeat(MAX_PASTE) }]);
    const reader = createKeyReader();
    reader.take({ name: 'paste-start', code: '[200~', sequence: '\u001b[200~' });
    reader.take({ name: 'a', sequence: 'a' });
    expect(reader.pasting).toBe(true);
    expect(reader.endPaste()).toEqual([{ kind: 'paste', text: 'a' }]);
    expect(reader.pasting).toBe(false);
    expect(reader.take({ name: 'q', sequence: 'q' })).toEqual([{ kind: 'key', name: 'q', text: 'q' }]);
  });
});
