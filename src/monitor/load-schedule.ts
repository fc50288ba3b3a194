/**
 * Load on its own schedule: each backend whose type has a load endpoint is asked every load interval
 * (`loadIntervalMs(config)`: `[top] load_interval_seconds`, or the probe interval but not below 5 s),
 * first rounds spread like the probe loop's, a bounded number at once, the next round an interval after
 * the last one started. The probe loop never waits for it and a reading never touches health.
 * Drained backends are still asked: a drained backend emptying its queue is what the operator watches
 * before maintenance. Pausing the probes pauses load too (`p` stops nexus-top asking anything).
 */
import { setMaxListeners } from 'node:events';
import type { FleetChange } from '../config/diff.js';
import { loadIntervalMs, type BackendConfig, type Config } from '../config/types.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { LoadReading } from '../core/load.js';

/** What the schedule needs of the reader (src/probe/load.ts). */
export interface LoadAsker {
  asks(backend: BackendConfig): boolean;
  /** Must resolve; a rejection is tolerated (that round says nothing). */
  read(backend: BackendConfig, signal: AbortSignal): Promise<LoadReading | null>;
}

export interface LoadScheduleOptions {
  config: Config;
  clock: Clock;
  reader: LoadAsker;
  publish(reading: LoadReading): void;
  /** Source of jitter; injected so tests are deterministic. */
  random?: () => number;
  /** First rounds are spread over min(interval, this). */
  startSpreadMs?: number;
}

export interface LoadSchedule {
  start(): void;
  /** Cancel every timer and in-flight round; resolves when all have finished. Idempotent. */
  stop(): Promise<void>;
  /** Ask one backend (or every one with load) once now (--once, --check, `r`); resolves when those readings are published. */
  readNow(name?: string): Promise<void>;
  pause(): void;
  resume(): void;
  /** The probe interval changed (`+`/`-`, a reload): the default load interval follows it. */
  setProbeIntervalMs(ms: number): void;
  /** Apply a reloaded config: backends removed or replaced stop being asked, new ones are scheduled, `[top] load` and the interval follow. */
  reconfigure(config: Config, change: FleetChange): void;
  /** The load interval in force, ms. */
  intervalMs(): number;
}

interface Entry {
  backend: BackendConfig;
  timer: TimerHandle | null;
  queued: boolean;
  running: Promise<void> | null;
  lastStartedAt: number | null;
  waiters: Array<() => void>;
  due: () => void;
}

export function createLoadSchedule(options: LoadScheduleOptions): LoadSchedule {
  const { clock, reader, publish } = options;
  const random = options.random ?? Math.random;
  const startSpreadMs = options.startSpreadMs ?? 1_000;
  let config = options.config;
  let probeIntervalMs = config.health.intervalMs;
  const intervalOf = (): number => loadIntervalMs({ health: { ...config.health, intervalMs: probeIntervalMs }, top: config.top });
  let intervalMs = intervalOf();
  let started = false;
  let paused = false;
  let stopping: Promise<void> | null = null;
  let inFlight = 0;
  const queue: Entry[] = [];
  const entries = new Map<string, Entry>();
  const cancel = new AbortController();
  // One listener per round in flight on the shared signal: bounded by the concurrency, no leak.
  setMaxListeners(0, cancel.signal);

  const wanted = (b: BackendConfig): boolean => config.top.load && reader.asks(b);
  const makeEntry = (backend: BackendConfig): Entry => {
    const e: Entry = {
      backend,
      timer: null,
      queued: false,
      running: null,
      lastStartedAt: null,
      waiters: [],
      due: () => {
        e.timer = null;
        enqueue(e, false);
      },
    };
    return e;
  };
  const fill = (): void => {
    for (const b of config.backends) if (wanted(b)) entries.set(b.name, makeEntry(b));
  };
  fill();

  const current = (e: Entry): boolean => entries.get(e.backend.name) === e;
  const scheduling = (): boolean => started && !paused && !stopping;
  const concurrency = (): number => Math.max(1, config.top.concurrency);
  const jitter = (): number => random() * Math.min(intervalMs, startSpreadMs);

  const clearTimer = (e: Entry): void => {
    if (e.timer !== null) clock.clearTimeout(e.timer);
    e.timer = null;
  };
  const schedule = (e: Entry, delayMs: number): void => {
    clearTimer(e);
    e.timer = clock.setTimeout(e.due, Math.max(0, delayMs));
  };
  const release = (e: Entry): void => {
    for (const w of e.waiters.splice(0)) w();
  };

  const enqueue = (e: Entry, urgent: boolean): void => {
    if (stopping || e.running || e.queued) return;
    e.queued = true;
    if (urgent) queue.unshift(e);
    else queue.push(e);
    pump();
  };
  const pump = (): void => {
    while (inFlight < concurrency() && queue.length > 0) run(queue.shift()!);
  };

  const round = async (e: Entry): Promise<void> => {
    let reading: LoadReading | null = null;
    try {
      reading = await reader.read(e.backend, cancel.signal);
    } catch {
      // A reader must not throw; if one does, this round says nothing and the schedule goes on.
    }
    try {
      if (reading && !stopping && current(e)) publish(reading);
    } catch {
      // Whatever a listener of the store did, the schedule goes on.
    } finally {
      inFlight -= 1;
      e.running = null;
      release(e);
      if (scheduling() && current(e) && e.timer === null) {
        // A generic backend whose /metrics proved none we read is not asked again.
        if (reader.asks(e.backend)) schedule(e, (e.lastStartedAt ?? clock.now()) + intervalMs - clock.now());
        else entries.delete(e.backend.name);
      }
      pump();
    }
  };

  const run = (e: Entry): void => {
    e.queued = false;
    inFlight += 1;
    e.lastStartedAt = clock.now();
    e.running = round(e);
  };

  const dropQueued = (keepWaited: boolean): void => {
    const kept = keepWaited ? queue.filter((e) => e.waiters.length > 0) : [];
    for (const e of queue) e.queued = kept.includes(e);
    queue.splice(0, queue.length, ...kept);
  };

  const reschedule = (): void => {
    if (!scheduling()) return;
    for (const e of entries.values()) {
      // Not asked yet: its first round keeps its place in the spread.
      if (e.timer === null || e.lastStartedAt === null) continue;
      const delay = (e.lastStartedAt ?? clock.now()) + intervalMs - clock.now();
      schedule(e, delay < 0 ? jitter() : delay);
    }
  };

  const followInterval = (): void => {
    const next = intervalOf();
    if (next === intervalMs) return;
    intervalMs = next;
    reschedule();
  };

  return {
    start() {
      if (started || stopping) return;
      started = true;
      if (!paused) for (const e of entries.values()) if (!e.running) schedule(e, jitter());
    },
    stop() {
      if (stopping) return stopping;
      stopping = (async () => {
        for (const e of entries.values()) clearTimer(e);
        dropQueued(false);
        cancel.abort();
        const running = [...entries.values()].flatMap((e) => (e.running ? [e.running] : []));
        for (const e of entries.values()) release(e);
        await Promise.allSettled(running);
      })();
      return stopping;
    },
    readNow(name) {
      if (stopping) return Promise.resolve();
      const targets = name === undefined ? [...entries.values()] : [entries.get(name)].filter((e): e is Entry => e !== undefined);
      const done = targets.map((e) => new Promise<void>((resolve) => e.waiters.push(resolve)));
      for (const e of targets) if (!e.running) enqueue(e, true);
      return Promise.all(done).then(() => undefined);
    },
    pause() {
      if (paused) return;
      paused = true;
      for (const e of entries.values()) clearTimer(e);
      dropQueued(true);
    },
    resume() {
      if (!paused) return;
      paused = false;
      if (scheduling()) for (const e of entries.values()) if (!e.running) schedule(e, jitter());
    },
    setProbeIntervalMs(ms) {
      if (!(ms > 0)) return;
      probeIntervalMs = ms;
      followInterval();
    },
    reconfigure(next, change) {
      const before = config;
      config = next;
      if (next.health.intervalMs !== before.health.intervalMs) probeIntervalMs = next.health.intervalMs;
      const fresh = new Set([...change.added, ...change.replaced].map((b) => b.name));
      const nextEntries = new Map<string, Entry>();
      for (const b of next.backends) {
        const old = entries.get(b.name);
        if (!wanted(b)) continue;
        const e = old && !fresh.has(b.name) ? old : makeEntry(b);
        e.backend = b;
        nextEntries.set(b.name, e);
      }
      for (const [name, e] of entries) {
        if (nextEntries.get(name) === e) continue;
        // Gone, replaced or load turned off: no more rounds; a reading still in flight is dropped.
        clearTimer(e);
        if (e.queued) queue.splice(queue.indexOf(e), 1);
        e.queued = false;
        release(e);
      }
      entries.clear();
      for (const [name, e] of nextEntries) entries.set(name, e);
      const nextInterval = intervalOf();
      const intervalChanged = nextInterval !== intervalMs;
      intervalMs = nextInterval;
      if (scheduling()) {
        for (const e of entries.values()) if (e.timer === null && !e.running && !e.queued) schedule(e, jitter());
        if (intervalChanged) reschedule();
      }
      pump();
    },
    intervalMs: () => intervalMs,
  };
}
