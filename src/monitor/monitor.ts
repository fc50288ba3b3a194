import type { BackendConfig, Config } from '../config/types.js';
import { failureUnconfirmed } from '../health/state.js';
import type { ProbeResult } from '../probe/types.js';
import type { FleetStore } from '../store/store.js';
import type { Clock, TimerHandle } from './clock.js';

/** Probes one backend. Must resolve with a result; a rejection is tolerated and recorded as a failure. */
export type ProbeFn = (backend: BackendConfig, signal: AbortSignal) => Promise<ProbeResult>;

export interface MonitorOptions {
  config: Config;
  store: FleetStore;
  clock: Clock;
  probe: ProbeFn;
  /** Source of jitter; injected so tests are deterministic. */
  random?: () => number;
  /** First probes are spread over min(interval, this) so a large fleet does not fire at once. */
  startSpreadMs?: number;
}

/** The actions the dashboard, the CLI and tests use. */
export interface Monitor {
  start(): void;
  /** Cancel every timer and in-flight probe; resolves when all have finished. Idempotent. */
  stop(): Promise<void>;
  /** Probe one backend (or all) now without disturbing the schedule; resolves when those probes are recorded. */
  checkNow(name?: string): Promise<void>;
  setDrained(name: string, drained: boolean): void;
  toggleDrain(name: string): void;
  setIntervalMs(ms: number): void;
  pause(): void;
  resume(): void;
}

interface Entry {
  backend: BackendConfig;
  timer: TimerHandle | null;
  /** The pending timer is a fast re-probe of an unconfirmed failure. */
  fast: boolean;
  queued: boolean;
  running: Promise<void> | null;
  abort: AbortController | null;
  lastStartedAt: number | null;
  waiters: Array<() => void>;
}

export function createMonitor(options: MonitorOptions): Monitor {
  const { config, store, clock, probe } = options;
  const random = options.random ?? Math.random;
  const startSpreadMs = options.startSpreadMs ?? 1_000;
  const concurrency = Math.max(1, config.top.concurrency);
  let intervalMs = config.health.intervalMs;
  let started = false;
  let paused = false;
  let stopping: Promise<void> | null = null;
  let inFlight = 0;
  const queue: Entry[] = [];
  const entries = new Map<string, Entry>();
  for (const backend of config.backends) {
    entries.set(backend.name, {
      backend,
      timer: null,
      fast: false,
      queued: false,
      running: null,
      abort: null,
      lastStartedAt: null,
      waiters: [],
    });
  }

  const fastMs = (): number => Math.min(config.top.fastIntervalMs, intervalMs);
  const scheduling = (): boolean => started && !paused && !stopping;

  const clearTimer = (e: Entry): void => {
    if (e.timer !== null) clock.clearTimeout(e.timer);
    e.timer = null;
    e.fast = false;
  };

  const schedule = (e: Entry, delayMs: number, fast = false): void => {
    clearTimer(e);
    e.fast = fast;
    e.timer = clock.setTimeout(() => {
      e.timer = null;
      e.fast = false;
      enqueue(e, false);
    }, Math.max(0, delayMs));
  };

  const jitter = (): number => random() * Math.min(intervalMs, startSpreadMs);

  const enqueue = (e: Entry, urgent: boolean): void => {
    if (stopping || e.running || e.queued) return;
    e.queued = true;
    if (urgent) queue.unshift(e);
    else queue.push(e);
    pump();
  };

  const pump = (): void => {
    while (inFlight < concurrency && queue.length > 0) run(queue.shift()!);
  };

  const safeProbe = async (e: Entry, signal: AbortSignal): Promise<ProbeResult> => {
    const startedAt = clock.now();
    try {
      return await probe(e.backend, signal);
    } catch (err) {
      // A probe must never throw; if one does, the loop records it and goes on.
      const finishedAt = clock.now();
      return {
        backend: e.backend.name,
        outcome: 'failure',
        kind: 'connection',
        message: `probe failed: ${err instanceof Error ? err.message : String(err)}`,
        startedAt,
        finishedAt,
        latencyMs: finishedAt - startedAt,
      };
    }
  };

  const run = (e: Entry): void => {
    e.queued = false;
    inFlight += 1;
    e.lastStartedAt = clock.now();
    const abort = new AbortController();
    e.abort = abort;
    store.markChecking(e.backend.name, true);
    e.running = safeProbe(e, abort.signal)
      .then((result) => {
        if (stopping) return;
        store.recordResult(result);
        afterProbe(e);
      })
      .catch(() => {
        // Recording is synchronous and pure; nothing is expected here, but a loop must not die of it.
      })
      .finally(() => {
        inFlight -= 1;
        e.running = null;
        e.abort = null;
        const waiters = e.waiters.splice(0);
        for (const w of waiters) w();
        pump();
      });
  };

  const afterProbe = (e: Entry): void => {
    if (!scheduling()) return;
    const h = store.currentHealth(e.backend.name);
    const unconfirmed = h !== undefined && failureUnconfirmed(h, config.health);
    if (e.timer !== null) {
      // A forced check ran between scheduled ones: keep the schedule, unless a failure now needs confirming sooner.
      if (unconfirmed && !e.fast) schedule(e, fastMs(), true);
      return;
    }
    if (unconfirmed) schedule(e, fastMs(), true);
    else schedule(e, (e.lastStartedAt ?? clock.now()) + intervalMs - clock.now());
  };

  const entryNames = (name?: string): Entry[] => {
    if (name === undefined) return [...entries.values()];
    const e = entries.get(name);
    return e ? [e] : [];
  };

  return {
    start() {
      if (started || stopping) return;
      started = true;
      if (!paused) for (const e of entries.values()) schedule(e, jitter());
    },

    stop() {
      if (stopping) return stopping;
      stopping = (async () => {
        for (const e of entries.values()) {
          clearTimer(e);
          e.queued = false;
        }
        queue.length = 0;
        const running: Array<Promise<void>> = [];
        for (const e of entries.values()) {
          e.abort?.abort();
          if (e.running) running.push(e.running);
          const waiters = e.waiters.splice(0);
          for (const w of waiters) w();
        }
        await Promise.allSettled(running);
        store.flush();
        store.close();
      })();
      return stopping;
    },

    checkNow(name) {
      if (stopping) return Promise.resolve();
      const targets = entryNames(name);
      const done = targets.map(
        (e) =>
          new Promise<void>((resolve) => {
            e.waiters.push(resolve);
            if (!e.running) enqueue(e, true);
          }),
      );
      return Promise.all(done).then(() => undefined);
    },

    setDrained(name, drained) {
      store.setDrained(name, drained);
    },

    toggleDrain(name) {
      const v = store.current(name);
      if (v) store.setDrained(name, !v.drained);
    },

    setIntervalMs(ms) {
      if (!(ms > 0) || ms === intervalMs) return;
      intervalMs = ms;
      store.setIntervalMs(ms);
      if (!scheduling()) return;
      // The schedule follows at once: each pending regular probe moves to last start + new interval.
      for (const e of entries.values()) {
        if (e.timer === null || e.fast) continue;
        const delay = (e.lastStartedAt ?? clock.now()) + intervalMs - clock.now();
        // Overdue under the new interval: spread them rather than fire the whole fleet at once.
        schedule(e, delay < 0 ? jitter() : delay);
      }
    },

    pause() {
      if (paused) return;
      paused = true;
      store.setPaused(true);
      for (const e of entries.values()) clearTimer(e);
      // Drop queued scheduled probes; keep the ones someone is waiting for (forced checks).
      const forced = queue.filter((e) => e.waiters.length > 0);
      for (const e of queue) e.queued = forced.includes(e);
      queue.splice(0, queue.length, ...forced);
    },

    resume() {
      if (!paused) return;
      paused = false;
      store.setPaused(false);
      if (!scheduling()) return;
      for (const e of entries.values()) if (!e.running) schedule(e, jitter());
    },
  };
}
