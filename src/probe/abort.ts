/** What the probe code (and undici) use of an AbortSignal; a real AbortSignal is one too. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * One probe's cancellation, aborted by its deadline or by the engine stopping: the part of an
 * AbortController/AbortSignal pair a probe uses — the flag, the reason and abort listeners called once —
 * without the EventTarget (two Maps, listener records, an Event per abort) that a real one allocates for
 * every probe. Undici takes any EventTarget-like signal (it reads `aborted` and `reason` and adds and
 * removes one `abort` listener).
 *
 * As with EventTarget: a listener is registered once however often it is added, a listener added after
 * the abort is never called, and one that throws does not stop the others (its error is rethrown on the
 * next tick, as an uncaught exception, like an EventTarget listener's).
 */
export class ProbeAbort implements AbortSignalLike {
  aborted = false;
  reason: unknown = undefined;
  #listeners: Array<() => void> | null = null;

  addEventListener(type: 'abort', listener: () => void): void {
    if (type !== 'abort' || this.aborted || typeof listener !== 'function') return;
    const listeners = (this.#listeners ??= []);
    if (!listeners.includes(listener)) listeners.push(listener);
  }

  removeEventListener(type: 'abort', listener: () => void): void {
    const listeners = this.#listeners;
    if (type !== 'abort' || listeners === null) return;
    const i = listeners.indexOf(listener);
    if (i >= 0) listeners.splice(i, 1);
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.#listeners;
    this.#listeners = null;
    if (listeners === null) return;
    for (const listener of listeners) {
      try {
        listener();
      } catch (error) {
        process.nextTick(() => {
          throw error;
        });
      }
    }
  }
}
