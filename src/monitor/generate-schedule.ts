/**
 * The generation check on its own schedule (`[top] generate_interval_seconds`, `--generate`; off by
 * default): each backend it applies to is asked every interval, first rounds spread over the first
 * second, a bounded number at once (`[top] concurrency`), the next round an interval after the last one
 * started. The probe loop never waits for it. Pausing the probes pauses it too.
 */
import { setMaxListeners } from 'node:events';
import { generationApplies } from '../backends/generate.js';
import type { FleetChange } from '../config/diff.js';
import type { BackendConfig, Config } from '../config/types.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { GenerationResult } from '../core/load.js';
import type { Monitor } from './monitor.js';

/** What the schedule needs of the checker (src/probe/generate.ts). */
export interface GenerationAsker {
  /** Must resolve; a rejection is tolerated (that round says nothing). */
  check(backend: BackendConfig, named: string | undefined, listed: readonly string[], signal?: AbortSignal): Promise<GenerationResult>;
}

export interface GenerationScheduleOptions {
  config: Config;
  clock: Clock;
  checker: GenerationAsker;
  /** The models the backend's last probe listed (the store's view). */
  modelsOf(name: string): readonly string[];
  publish(result: GenerationResult): void;
  /** Source of jitter; injected so tests are deterministic. */
  random?: () => number;
  /** First rounds are spread over min(interval, this). */
  startSpreadMs?: number;
}

export interface GenerationSchedule {
  start(): void;
  /** Cancel every timer and in-flight check; resolves when all have finished. Idempotent. */
  stop(): Promise<void>;
  /** Check one backend (or every one it applies to) once now (--once, --check, `r`); resolves when published. Nothing when the check is off. */
  checkNow(name?: string): Promise<void>;
  pause(): void;
  resume(): void;
  /** Apply a reloaded config: the interval, `[top.generate_models]` and the fleet follow. */
  reconfigure(config: Config, change: FleetChange): void;
  /** Whether the check is on (an interval is set). */
  enabled(): boolean;
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

export function createGenerationSchedule(options: GenerationScheduleOptions): GenerationSchedule {
  const { clock, checker, publish, modelsOf } = options;
  const random = options.random ?? Math.random;
  const startSpreadMs = options.startSpreadMs ?? 1_000;
  let config = options.config;
  let started = false;
  let paused = false;
  let stopping: Promise<void> | null = null;
  let inFlight = 0;
  const queue: Entry[] = [];
  const entries = new Map<string, Entry>();
  const cancel = new AbortController();
  // One listener per check in flight on the shared signal: bounded by the concurrency, no leak.
  setMaxListeners(0, cancel.signal);

  const intervalMs = (): number | null => config.top.generateIntervalMs;
  const named = (b: BackendConfig): string | undefined => config.top.generateModels[b.name];
  // A TCP or command check has no HTTP API to ask for a completion.
  const wanted = (b: BackendConfig): boolean => intervalMs() !== null && (b.check === undefined || b.check.also === true) && generationApplies(b.type, named(b));
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
  for (const b of config.backends) if (wanted(b)) entries.set(b.name, makeEntry(b));

  const current = (e: Entry): boolean => entries.get(e.backend.name) === e;
  const scheduling = (): boolean => started && !paused && !stopping && intervalMs() !== null;
  const concurrency = (): number => Math.max(1, config.top.concurrency);
  const jitter = (): number => random() * Math.min(intervalMs() ?? 0, startSpreadMs);

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
    let result: GenerationResult | null = null;
    try {
      result = await checker.check(e.backend, named(e.backend), modelsOf(e.backend.name), cancel.signal);
    } catch {
      // A checker must not throw; if one does, this round says nothing and the schedule goes on.
    }
    try {
      if (result && !stopping && current(e)) publish(result);
    } catch {
      // Whatever a listener of the store did, the schedule goes on.
    } finally {
      inFlight -= 1;
      e.running = null;
      release(e);
      const interval = intervalMs();
      if (scheduling() && current(e) && e.timer === null && interval !== null) schedule(e, (e.lastStartedAt ?? clock.now()) + interval - clock.now());
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

  return {
    start() {
      if (started || stopping) return;
      started = true;
      if (scheduling()) for (const e of entries.values()) if (!e.running) schedule(e, jitter());
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
    checkNow(name) {
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
    reconfigure(next, change) {
      const before = intervalMs();
      config = next;
      const fresh = new Set([...change.added, ...change.replaced].map((b) => b.name));
      const nextEntries = new Map<string, Entry>();
      for (const b of next.backends) {
        if (!wanted(b)) continue;
        const old = entries.get(b.name);
        const e = old && !fresh.has(b.name) ? old : makeEntry(b);
        e.backend = b;
        nextEntries.set(b.name, e);
      }
      for (const [name, e] of entries) {
        if (nextEntries.get(name) === e) continue;
        // Gone, replaced, no longer applicable or the check turned off: a result still in flight is dropped.
        clearTimer(e);
        if (e.queued) queue.splice(queue.indexOf(e), 1);
        e.queued = false;
        release(e);
      }
      entries.clear();
      for (const [name, e] of nextEntries) entries.set(name, e);
      const interval = intervalMs();
      if (scheduling() && interval !== null) {
        for (const e of entries.values()) {
          if (e.running || e.queued) continue;
          if (e.timer === null || e.lastStartedAt === null) {
            if (e.timer === null) schedule(e, jitter());
          } else if (interval !== before) {
            const delay = e.lastStartedAt + interval - clock.now();
            schedule(e, delay < 0 ? jitter() : delay);
          }
        }
      }
      pump();
    },
    enabled: () => intervalMs() !== null,
  };
}

/**
 * The monitor's actions, with the generation check following them: started, paused, resumed and stopped
 * with the probes, and asked with them by `checkNow` (`r`, --once, --check: concurrently, each within the
 * probe's deadline). `reconfigure` is the engine's to call on both (the store comes first).
 */
export function withGeneration<M extends Monitor>(monitor: M, generation: GenerationSchedule): M {
  return {
    ...monitor,
    start() {
      monitor.start();
      generation.start();
    },
    stop: () => Promise.all([generation.stop(), monitor.stop()]).then(() => undefined),
    checkNow: (name) => Promise.all([monitor.checkNow(name), generation.checkNow(name)]).then(() => undefined),
    pause() {
      monitor.pause();
      generation.pause();
    },
    resume() {
      monitor.resume();
      generation.resume();
    },
  };
}
