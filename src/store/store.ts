import type { BackendConfig, Config } from '../config/types.js';
import { initialHealth, nextEma, nextHealth, type HealthState, type Status, type Thresholds } from '../health/state.js';
import type { Clock, TimerHandle } from '../monitor/clock.js';
import type { ProbeResult } from '../probe/types.js';
import { displayUrl } from '../text/redact.js';
import { flapScore, nextFlapping, type FlapSettings } from '../health/flap.js';
import type { BackendView, FleetEvent, FleetSnapshot, FleetSummary, ProbeSample, ReplayState } from './types.js';

const RECENT_ERRORS = 10;
/** Events kept in memory for the event log pane. */
export const EVENT_LOG_SIZE = 1000;

export interface FleetStore {
  getSnapshot(): FleetSnapshot;
  subscribe(listener: () => void): () => void;
  /** The live state of one backend, ahead of the published snapshot (for the engine's own decisions). */
  current(name: string): BackendView | undefined;
  currentHealth(name: string): HealthState | undefined;
  markChecking(name: string, checking: boolean): void;
  recordResult(result: ProbeResult): void;
  setDrained(name: string, drained: boolean): void;
  setIntervalMs(ms: number): void;
  setPaused(paused: boolean): void;
  /** Mark the fleet as replayed from a recording (null: live). */
  setReplay(state: ReplayState | null): void;
  /** Every event as it happens, unbatched (for --events and recordings). */
  onEvent(listener: (event: FleetEvent) => void): () => void;
  /** Every probe result as it is recorded (for recordings). */
  onResult(listener: (result: ProbeResult) => void): () => void;
  /** Publish pending changes now instead of at the end of the batch window. */
  flush(): void;
  /** Publish a snapshot with the current time, so ages (SINCE) move on a steady fleet. */
  tick(): void;
  /** Cancel the pending batch timer (the store keeps its state). */
  close(): void;
}

export interface StoreOptions {
  clock: Clock;
  /** Changes within this window are published as one snapshot, so a burst of 1000 results is one update. */
  batchMs?: number;
}

function viewOf(b: BackendConfig, at: number): BackendView {
  return {
    name: b.name,
    type: b.type,
    url: displayUrl(b.url),
    priority: b.priority,
    ...(b.zone !== undefined ? { zone: b.zone } : {}),
    ...(b.tier !== undefined ? { tier: b.tier } : {}),
    health: 'unknown',
    drained: false,
    status: 'unknown',
    statusSince: at,
    lastCheckAt: null,
    lastOutcome: null,
    loadingMessage: null,
    latencyMs: null,
    latencyEmaMs: null,
    latencyMinMs: null,
    latencyMaxMs: null,
    latencyStale: false,
    models: [],
    modelsListedAt: null,
    modelsStale: false,
    lastError: null,
    recentErrors: [],
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
    checking: false,
    checkingSince: null,
    history: [],
    flapScore: 0,
    flapping: false,
  };
}

function statusOf(drained: boolean, health: HealthState['health']): Status {
  return drained ? 'draining' : health;
}

function withStatus(view: BackendView, next: Omit<BackendView, 'status' | 'statusSince'>, at: number): BackendView {
  const status = statusOf(next.drained, next.health);
  return { ...next, status, statusSince: status === view.status ? view.statusSince : at };
}

function sameModels(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((m, i) => m === b[i]);
}

export function summarize(backends: readonly BackendView[]): FleetSummary {
  const s: FleetSummary = { total: backends.length, healthy: 0, unhealthy: 0, loading: 0, draining: 0, unknown: 0, flapping: 0 };
  for (const b of backends) {
    s[b.status] += 1;
    if (b.flapping) s.flapping += 1;
  }
  return s;
}

/** Append to a bounded ring kept as an immutable array, oldest first. */
function pushBounded<T>(list: readonly T[], item: T, max: number): readonly T[] {
  const next = list.length >= max ? list.slice(list.length - max + 1) : list.slice();
  next.push(item);
  return next;
}

/** The fleet's state: probes write to it, every view reads immutable snapshots of it. */
export function createStore(config: Config, options: StoreOptions): FleetStore {
  const { clock } = options;
  const batchMs = options.batchMs ?? 50;
  const thresholds: Thresholds = config.health;
  const start = clock.now();
  const order = config.backends.map((b) => b.name);
  const live = new Map<string, BackendView>();
  const health = new Map<string, HealthState>();
  for (const b of config.backends) {
    live.set(b.name, viewOf(b, start));
    health.set(b.name, initialHealth(start));
  }
  let intervalMs = config.health.intervalMs;
  let paused = false;
  let replay: ReplayState | null = null;
  const flap: FlapSettings = { window: config.top.flapWindow, low: config.top.flapLow, high: config.top.flapHigh };
  const historySize = Math.max(config.top.historySize, config.top.flapWindow);
  let events: readonly FleetEvent[] = [];
  const eventListeners = new Set<(event: FleetEvent) => void>();
  const resultListeners = new Set<(result: ProbeResult) => void>();
  const emit = (event: FleetEvent): void => {
    events = pushBounded(events, event, EVENT_LOG_SIZE);
    for (const l of [...eventListeners]) l(event);
  };

  const build = (): FleetSnapshot => {
    const backends = order.map((n) => live.get(n)!);
    return {
      source: config.source,
      intervalMs,
      paused,
      backends,
      byName: new Map(backends.map((b) => [b.name, b])),
      summary: summarize(backends),
      events,
      at: clock.now(),
      replay,
    };
  };

  let snapshot = build();
  let dirty = false;
  let timer: TimerHandle | undefined;
  const listeners = new Set<() => void>();

  const publish = (): void => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
    if (!dirty) return;
    dirty = false;
    snapshot = build();
    for (const l of [...listeners]) l();
  };

  const changed = (): void => {
    dirty = true;
    timer ??= clock.setTimeout(publish, batchMs);
  };

  const update = (name: string, fn: (v: BackendView) => BackendView): void => {
    const before = live.get(name);
    if (!before) return;
    const after = fn(before);
    if (after !== before) {
      live.set(name, after);
      changed();
    }
  };

  return {
    getSnapshot: () => snapshot,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    current: (name) => live.get(name),
    currentHealth: (name) => health.get(name),
    markChecking(name, checking) {
      update(name, (v) => (v.checking === checking ? v : { ...v, checking, checkingSince: checking ? clock.now() : null }));
    },
    recordResult(result) {
      const prev = health.get(result.backend);
      if (!prev) return;
      const at = result.finishedAt;
      const h = nextHealth(prev, result, thresholds, at);
      health.set(result.backend, h);
      const before = live.get(result.backend)!;
      update(result.backend, (v) => {
        const base = {
          ...v,
          health: h.health,
          consecutiveFailures: h.consecutiveFailures,
          consecutiveSuccesses: h.consecutiveSuccesses,
          lastCheckAt: at,
          lastOutcome: result.outcome,
          checking: false,
          checkingSince: null,
        };
        if (result.outcome === 'ok') {
          const sample = result.latencyMs;
          const models = result.models === null ? v.models : sameModels(v.models, result.models) ? v.models : result.models;
          return withStatus(
            v,
            {
              ...base,
              loadingMessage: null,
              latencyMs: sample,
              latencyEmaMs: nextEma(v.latencyEmaMs, sample),
              latencyMinMs: v.latencyMinMs === null ? sample : Math.min(v.latencyMinMs, sample),
              latencyMaxMs: v.latencyMaxMs === null ? sample : Math.max(v.latencyMaxMs, sample),
              latencyStale: false,
              models,
              modelsListedAt: result.models === null ? v.modelsListedAt : at,
              modelsStale: result.models === null,
            },
            at,
          );
        }
        if (result.outcome === 'loading') {
          return withStatus(v, { ...base, loadingMessage: result.message, latencyStale: v.latencyEmaMs !== null, modelsStale: v.models.length > 0 }, at);
        }
        const error = { kind: result.kind, message: result.message, at };
        return withStatus(
          v,
          {
            ...base,
            loadingMessage: null,
            lastError: error,
            recentErrors: [...v.recentErrors, error].slice(-RECENT_ERRORS),
            latencyStale: v.latencyEmaMs !== null,
            // A failed probe keeps the last known models, marked stale (as Nexus does).
            modelsStale: v.models.length > 0,
          },
          at,
        );
      });
      // History and flap detection look at raw outcomes, not the thresholded status.
      update(result.backend, (v) => {
        const sample: ProbeSample = { at, outcome: result.outcome, latencyMs: result.latencyMs, ...(result.outcome === 'failure' ? { kind: result.kind } : {}) };
        const history = pushBounded(v.history, sample, historySize);
        const score = flapScore(
          history.map((p) => p.outcome),
          flap.window,
        );
        return { ...v, history, flapScore: score, flapping: nextFlapping(v.flapping, score, flap) };
      });
      const after = live.get(result.backend)!;
      for (const l of [...resultListeners]) l(result);
      if (after.health !== before.health) {
        emit({
          ts: at,
          type: 'status',
          backend: result.backend,
          from: before.health,
          to: after.health,
          ...(result.outcome === 'failure' ? { kind: result.kind, message: result.message } : {}),
          ...(result.outcome === 'loading' ? { message: result.message } : {}),
        });
      }
      if (after.flapping !== before.flapping) {
        emit({ ts: at, type: after.flapping ? 'flap_start' : 'flap_stop', backend: result.backend, score: Math.round(after.flapScore * 10) / 10 });
      }
    },
    setDrained(name, drained) {
      const at = clock.now();
      const v = live.get(name);
      if (!v || v.drained === drained) return;
      update(name, () => withStatus(v, { ...v, drained }, at));
      emit({ ts: at, type: drained ? 'drain' : 'undrain', backend: name });
    },
    setIntervalMs(ms) {
      if (ms === intervalMs) return;
      emit({ ts: clock.now(), type: 'interval', from_ms: intervalMs, to_ms: ms });
      intervalMs = ms;
      changed();
    },
    setPaused(p) {
      if (p === paused) return;
      paused = p;
      emit({ ts: clock.now(), type: p ? 'pause' : 'resume' });
      changed();
    },
    setReplay(state) {
      replay = state;
      changed();
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    onResult(listener) {
      resultListeners.add(listener);
      return () => resultListeners.delete(listener);
    },
    flush: publish,
    tick() {
      dirty = true;
      publish();
    },
    close() {
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
    },
  };
}
