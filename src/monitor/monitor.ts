import { setMaxListeners } from 'node:events';
import type { FleetChange } from '../config/diff.js';
import type { BackendConfig, Config } from '../config/types.js';
import { failureUnconfirmed } from '../health/state.js';
import type { ProbeResult } from '../core/outcome.js';
import type { FleetStore } from '../store/store.js';
import type { Clock, TimerHandle } from '../core/clock.js';

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
  /**
   * Apply a reloaded config (after the store's reconfigure): removed and replaced backends stop being
   * probed (a result of theirs still in flight is dropped), added and replaced ones are scheduled, a new
   * [health_check] interval applies unless the interval was changed by hand since.
   */
  reconfigure(config: Config, change: FleetChange): void;
}

interface Entry {
  backend: BackendConfig;
  timer: TimerHandle | null;
  /** The pending timer is a fast re-probe of an unconfirmed failure. */
  fast: boolean;
  queued: boolean;
  running: Promise<void> | null;
  /** What its timer runs (made once, not at every schedule). */
  due: () => void;
  lastStartedAt: number | null;
  waiters: Array<() => void>;
}

export function createMonitor(options: MonitorOptions): Monitor {
  const { store, clock, probe } = options;
  let config = options.config;
  const random = options.random ?? Math.random;
  const startSpreadMs = options.startSpreadMs ?? 1_000;
  let concurrency = Math.max(1, config.top.concurrency);
  let intervalMs = config.health.intervalMs;
  let started = false;
  let paused = false;
  let stopping: Promise<void> | null = null;
  let inFlight = 0;
  const queue: Entry[] = [];
  const entries = new Map<string, Entry>();
  // One signal cancels every probe when the monitor stops (a probe never outlives it; it is never restarted).
  // Each running probe may listen to it: as many listeners as probes in flight, which is no leak.
  const cancel = new AbortController();
  setMaxListeners(0, cancel.signal);
  const makeEntry = (backend: BackendConfig): Entry => {
    const e: Entry = {
      backend,
      timer: null,
      fast: false,
      queued: false,
      running: null,
      due: () => {
        e.timer = null;
        e.fast = false;
        enqueue(e, false);
      },
      lastStartedAt: null,
      waiters: [],
    };
    return e;
  };
  for (const backend of config.backends) entries.set(backend.name, makeEntry(backend));
  /** Still the entry of its backend (not removed or replaced by a reload). */
  const current = (e: Entry): boolean => entries.get(e.backend.name) === e;

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
    e.timer = clock.setTimeout(e.due, Math.max(0, delayMs));
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

  /** Probe, record, schedule the next: the whole life of one probe. */
  const probeAndRecord = async (e: Entry): Promise<void> => {
    const startedAt = clock.now();
    let result: ProbeResult;
    try {
      result = await probe(e.backend, cancel.signal);
    } catch (err) {
      // A probe must never throw; if one does, the loop records it and goes on.
      const finishedAt = clock.now();
      result = {
        backend: e.backend.name,
        outcome: 'failure',
        kind: 'connection',
        message: `probe failed: ${err instanceof Error ? err.message : String(err)}`,
        startedAt,
        finishedAt,
        latencyMs: finishedAt - startedAt,
      };
    }
    try {
      if (!stopping && current(e)) {
        store.recordResult(result);
        afterProbe(e);
      }
    } catch {
      // Recording is synchronous and pure; nothing is expected here, but a loop must not die of it.
    } finally {
      inFlight -= 1;
      e.running = null;
      if (e.waiters.length > 0) {
        const waiters = e.waiters.splice(0);
        for (const w of waiters) w();
      }
      pump();
    }
  };

  const run = (e: Entry): void => {
    e.queued = false;
    inFlight += 1;
    e.lastStartedAt = clock.now();
    store.markChecking(e.backend.name, true);
    e.running = probeAndRecord(e);
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

  const monitor: Monitor = {
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
        cancel.abort();
        for (const e of entries.values()) {
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

    reconfigure(next, change) {
      const gone = new Set([...change.removed, ...change.replaced.map((b) => b.name)]);
      for (const name of gone) {
        const e = entries.get(name);
        if (!e) continue;
        clearTimer(e);
        if (e.queued) queue.splice(queue.indexOf(e), 1);
        e.queued = false;
        // Whoever waits for a check of it (r, --once) is not left waiting.
        for (const w of e.waiters.splice(0)) w();
      }
      const fresh = new Set([...change.added, ...change.replaced].map((b) => b.name));
      const nextEntries = new Map<string, Entry>();
      for (const b of next.backends) {
        const old = entries.get(b.name);
        const e = old && !fresh.has(b.name) ? old : makeEntry(b);
        e.backend = b;
        nextEntries.set(b.name, e);
        if (e !== old && scheduling()) schedule(e, jitter());
      }
      entries.clear();
      for (const [name, e] of nextEntries) entries.set(name, e);
      const before = config;
      config = next;
      concurrency = Math.max(1, next.top.concurrency);
      if (next.health.intervalMs !== before.health.intervalMs) monitor.setIntervalMs(next.health.intervalMs);
      pump();
    },

    resume() {
      if (!paused) return;
      paused = false;
      store.setPaused(false);
      if (!scheduling()) return;
      for (const e of entries.values()) if (!e.running) schedule(e, jitter());
    },
  };
  return monitor;
}
