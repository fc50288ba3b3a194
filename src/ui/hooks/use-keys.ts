import { useStdin } from 'ink';
import { EventEmitter } from 'node:events';
import { emitKeypressEvents, type Interface } from 'node:readline';
import { useEffect, useRef } from 'react';
import { createKeyReader, type KeyEvent, type Keypress } from '../keys.js';

/**
 * How long an Esc at the end of a read waits for the rest of an escape sequence (gemini-cli waits as long;
 * readline's default, 500 ms, makes Esc feel slow; Ink waits only for the next turn of the event loop).
 */
export const ESC_WAIT_MS = 50;
/** A paste whose end marker has not come for this long is ended as it is. */
export const PASTE_WAIT_MS = 1_000;

/**
 * The keys typed, every one of them, in order: `onKeys` gets the keys each read completes (several when
 * they arrive together: fast typing, a slow link, tmux `send-keys j j Enter`) so that it can act on each
 * and draw once.
 *
 * Ink's useInput is not enough: it hands a run of plain characters over as one string ("gjj\r" is one
 * "key"), and it gives a lone ESC up at the next turn of the event loop, so an arrow whose `[A` comes in the
 * next read is Esc, then `[A`. Node's readline splits a read into keypresses and waits ESC_WAIT_MS for the
 * rest of a sequence; it reads from our own emitter, fed with what Ink reads from stdin, so nothing of it
 * stays on stdin after unmount. Ink still owns stdin and raw mode (through useStdin).
 */
export function useKeys(onKeys: (keys: KeyEvent[]) => void): void {
  const { stdin, setRawMode } = useStdin();
  const handler = useRef(onKeys);
  handler.current = onKeys;

  useEffect(() => {
    setRawMode(true);
    return () => setRawMode(false);
  }, [setRawMode]);

  useEffect(() => {
    const reader = createKeyReader();
    const decoder = new EventEmitter();
    // It needs of a stream only on/emit 'data' and of an Interface only its escapeCodeTimeout (both typed
    // wider than what it uses).
    emitKeypressEvents(decoder as unknown as NodeJS.ReadableStream, { escapeCodeTimeout: ESC_WAIT_MS } as unknown as Interface);
    let live = true;
    /** The keys of the read being decoded; undefined outside a read (an Esc that waited, a paste that timed out). */
    let read: KeyEvent[] | undefined;
    let pasteTimer: NodeJS.Timeout | undefined;
    const deliver = (keys: KeyEvent[]): void => {
      if (keys.length === 0) return;
      if (read) read.push(...keys);
      // Out of readline's own callback: a handler that throws must not break its decoder.
      else queueMicrotask(() => live && handler.current(keys));
    };
    decoder.on('keypress', (_text: string | undefined, press: Keypress) => deliver(reader.take(press)));
    const onData = (data: string | Buffer): void => {
      const keys: KeyEvent[] = (read = []);
      try {
        decoder.emit('data', data);
      } finally {
        read = undefined;
      }
      clearTimeout(pasteTimer);
      if (reader.pasting) pasteTimer = setTimeout(() => deliver(reader.endPaste()), PASTE_WAIT_MS);
      if (keys.length > 0) handler.current(keys);
    };
    stdin.on('data', onData);
    return () => {
      live = false;
      clearTimeout(pasteTimer);
      stdin.off('data', onData);
    };
  }, [stdin]);
}
