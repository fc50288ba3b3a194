import type { Clock, TimerHandle } from '../../src/core/clock.js';

interface Pending {
  id: number;
  due: number;
  fn: () => void;
}

export interface FakeClock extends Clock {
  /** Move time forward, firing due timers in order and letting promises settle between them. */
  advance(ms: number): Promise<void>;
  /** Timers not yet fired. */
  pendingCount(): number;
  /** Due times of pending timers, relative to now. */
  pendingDelays(): number[];
}

/** Let promise chains started by fired timers run to completion (a real macrotask turn). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function fakeClock(start = 1_700_000_000_000): FakeClock {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, Pending>();
  const earliest = (): Pending | undefined => {
    let best: Pending | undefined;
    for (const t of timers.values()) if (!best || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    return best;
  };
  return {
    now: () => now,
    setTimeout(fn, ms): TimerHandle {
      const id = nextId++;
      timers.set(id, { id, due: now + Math.max(0, ms), fn });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    async advance(ms) {
      const target = now + ms;
      await settle();
      for (;;) {
        const t = earliest();
        if (!t || t.due > target) break;
        timers.delete(t.id);
        now = t.due;
        t.fn();
        await settle();
      }
      now = target;
      await settle();
    },
    pendingCount: () => timers.size,
    pendingDelays: () => [...timers.values()].map((t) => t.due - now).sort((a, b) => a - b),
  };
}
