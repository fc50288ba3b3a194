/**
 * The Nexus router on its own schedule: one read at a time, the next one a load interval after the last
 * one ended (a slow router is never asked twice at once). The probe loop never waits for it; a read that
 * fails is published as the router's error and tried again next round.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import type { RouterView } from '../core/load.js';

export interface RouterWatchOptions {
  clock: Clock;
  intervalMs: number;
  /** One round of the router's endpoints; must not reject (a rejection is dropped, the schedule goes on). */
  read(signal: AbortSignal): Promise<RouterView>;
  publish(view: RouterView): void;
}

export interface RouterWatch {
  start(): void;
  /** Stop the schedule and cancel a read in progress; nothing is published after. Idempotent. */
  stop(): void;
  /** Hold the schedule (the dashboard's pause); a read in progress still lands. */
  pause(): void;
  resume(): void;
  setIntervalMs(ms: number): void;
  /** Read now, outside the schedule (--once, --check); resolves once the reading is published. */
  readNow(): Promise<void>;
}

export function createRouterWatch(options: RouterWatchOptions): RouterWatch {
  const { clock } = options;
  let intervalMs = options.intervalMs;
  let timer: TimerHandle | undefined;
  let started = false;
  let stopped = false;
  let paused = false;
  let running: Promise<void> | null = null;
  // When the last round ended: the next one is due an interval after it.
  let lastEnd: number | null = null;
  const cancel = new AbortController();

  const schedule = (ms: number): void => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
    if (!started || stopped || paused) return;
    timer = clock.setTimeout(() => {
      timer = undefined;
      void round();
    }, ms);
  };

  /** One read and its publishing; the next one is scheduled from its end. A round already running is joined. */
  const round = (): Promise<void> => {
    if (running) return running;
    if (stopped) return Promise.resolve();
    running = (async () => {
      try {
        const view = await options.read(cancel.signal);
        if (!stopped) options.publish(view);
      } catch {
        // read() never rejects by contract, and a throwing listener of the store must not stop the schedule.
      } finally {
        running = null;
        lastEnd = clock.now();
        schedule(intervalMs);
      }
    })();
    return running;
  };

  return {
    start() {
      if (started || stopped) return;
      started = true;
      schedule(0);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      cancel.abort();
    },
    pause() {
      paused = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
    },
    resume() {
      if (!paused) return;
      paused = false;
      if (!running) schedule(0);
    },
    setIntervalMs(ms) {
      if (ms === intervalMs) return;
      intervalMs = ms;
      // A wait under the old interval becomes one under the new, from the end of the last round.
      if (timer !== undefined) schedule(lastEnd === null ? 0 : Math.max(0, lastEnd + ms - clock.now()));
    },
    readNow: () => round(),
  };
}
