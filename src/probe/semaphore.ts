import type { AbortSignalLike } from './abort.js';

export interface Semaphore {
  /**
   * A slot, in the order asked; resolves with its release function, or with null when `signal` aborts
   * first (the wait is dropped, no slot taken).
   */
  acquire(signal: AbortSignalLike): Promise<(() => void) | null>;
}

/** At most `limit` holders at once (command checks: `[top] command_concurrency`). */
export function createSemaphore(limit: number): Semaphore {
  let active = 0;
  const waiting: Array<() => void> = [];
  const release = (): void => {
    active--;
    waiting.shift()?.();
  };
  const once = (): (() => void) => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  };
  return {
    acquire(signal) {
      if (signal.aborted) return Promise.resolve(null);
      if (active < limit) {
        active++;
        return Promise.resolve(once());
      }
      return new Promise((resolve) => {
        const grant = (): void => {
          signal.removeEventListener('abort', drop);
          active++;
          resolve(once());
        };
        const drop = (): void => {
          const i = waiting.indexOf(grant);
          if (i >= 0) waiting.splice(i, 1);
          resolve(null);
        };
        waiting.push(grant);
        signal.addEventListener('abort', drop, { once: true });
      });
    },
  };
}
