import { checkLabel, describeCheck } from '../config/checks.js';
import type { BackendConfig, Config } from '../config/types.js';
import type { FleetChange } from '../config/diff.js';
import { initialHealth, nextEma, nextHealth, type HealthState, type Status, type Thresholds } from '../health/state.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { memoryByBackend } from '../gpu/sample.js';
import type { GpuState } from '../gpu/state.js';
import { NO_FIGURES, type GenerationResult, type LoadedModel, type LoadReading, type LoadSource, type LoadView, type RouterView } from '../core/load.js';
import type { ProbeOutcome, ProbeResult } from '../core/outcome.js';
import { displayUrl } from '../text/redact.js';
import { flapScoreOf, flapVerdict, flapWindowMs, StatusChanges, type FlapRule } from '../health/flap.js';
import type { BackendView, CheckView, ErrorRecord, FleetEvent, FleetSnapshot, FleetSummary, ProbeSample, ReplayState } from './types.js';

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
  /**
   * Apply a reloaded config: backends added, removed or replaced start afresh (a replaced one stays
   * drained if it was); unchanged and relabelled ones keep their state and history. Emits `config_reload`.
   */
  reconfigure(config: Config, change: FleetChange): void;
  /** The config file on disk is bad (the message), or fine again (null). Emits `config_error` when set. */
  setConfigProblem(problem: string | null): void;
  /** The box's GPUs as the GPU tool last read them (src/monitor/gpu-sampler.ts). */
  setGpu(state: GpuState): void;
  /** Every GPU reading as it is set (for recordings). */
  onGpu(listener: (state: GpuState) => void): () => void;
  /** GPUs turned off (a reload with `[top] gpu = false`): no reading, no backend's share. */
  clearGpu(): void;
  /**
   * What one round of asking a backend for load found (src/monitor/ load schedule). Never touches health.
   * Emits `load` when the backend starts or stops queueing. A reading for a backend not in the fleet is dropped.
   */
  setLoad(reading: LoadReading): void;
  /** Every load reading as it is set (for recordings). */
  onLoad(listener: (reading: LoadReading) => void): () => void;
  /**
   * One generation check's result (src/monitor/generate-schedule.ts). A failure counts like a failed probe:
   * `failure_threshold` of them in a row make the backend unhealthy, its `lastError` stage `generate`.
   * Generation keeps a threshold state of its own beside the probe's (so probe successes between the checks
   * do not reset its count); the backend is unhealthy while either says so. A success therefore heals only
   * what generation broke (after `recovery_threshold` of them): it never heals a backend whose probe fails.
   * A skipped check (no model loaded) changes nothing but the view's `generation`.
   */
  recordGeneration(result: GenerationResult): void;
  /** Every generation result as it is recorded (for recordings). */
  onGeneration(listener: (result: GenerationResult) => void): () => void;
  /**
   * The Nexus router's view (src/monitor/router-watch.ts), or null: none configured. Each backend the router
   * names gets its pending requests as `load.routerPending` (a backend without load of its own gets a load
   * of that alone, source `router`); the others' routerPending becomes null. Never touches health.
   */
  setRouter(view: RouterView | null): void;
  /** Every router view as it is set (for recordings). */
  onRouter(listener: (view: RouterView | null) => void): () => void;
}

export interface StoreOptions {
  clock: Clock;
  /** Changes within this window are published as one snapshot, so a burst of 1000 results is one update. */
  batchMs?: number;
}

const HTTP_CHECK: CheckView = { label: 'http', text: 'http' };

function checkView(b: BackendConfig): CheckView {
  return b.check === undefined ? HTTP_CHECK : { label: checkLabel(b.check), text: describeCheck(b) };
}

function viewOf(b: BackendConfig, at: number, windowMs: number): BackendView {
  return {
    name: b.name,
    type: b.type,
    url: displayUrl(b.url),
    check: checkView(b),
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
    flapChanges: 0,
    flapFirstChangeAt: null,
    flapLastChangeAt: null,
    flapWindowMs: windowMs,
    flapping: false,
    flapReason: null,
    gpuMemoryBytes: null,
    load: null,
    generation: null,
  };
}

function statusOf(drained: boolean, health: HealthState['health']): Status {
  return drained ? 'draining' : health;
}

function withStatus(view: BackendView, next: Omit<BackendView, 'status' | 'statusSince'>, at: number): BackendView {
  const status = statusOf(next.drained, next.health);
  return { ...next, status, statusSince: status === view.status ? view.statusSince : at };
}

function sinceOf(view: BackendView, status: Status, at: number): number {
  return status === view.status ? view.statusSince : at;
}

/**
 * A copy of a view, to set the fields a change changes: the keys of `{ ...view }` in its order, built as a
 * literal. V8 copies a 30-field object through a spread on a slow path (about 2 µs with the overrides of a
 * probe result, 0.6 µs for a plain copy, boxes for every number field included) where a literal takes
 * about 60 ns; a view is copied twice per probe. A view with a zone or a tier (keys in the middle) takes
 * the spread.
 */
function copyView(v: BackendView): BackendView {
  if (v.zone !== undefined || v.tier !== undefined) return { ...v };
  return {
    name: v.name,
    type: v.type,
    url: v.url,
    check: v.check,
    priority: v.priority,
    health: v.health,
    drained: v.drained,
    status: v.status,
    statusSince: v.statusSince,
    lastCheckAt: v.lastCheckAt,
    lastOutcome: v.lastOutcome,
    loadingMessage: v.loadingMessage,
    latencyMs: v.latencyMs,
    latencyEmaMs: v.latencyEmaMs,
    latencyMinMs: v.latencyMinMs,
    latencyMaxMs: v.latencyMaxMs,
    latencyStale: v.latencyStale,
    models: v.models,
    modelsListedAt: v.modelsListedAt,
    modelsStale: v.modelsStale,
    lastError: v.lastError,
    recentErrors: v.recentErrors,
    consecutiveFailures: v.consecutiveFailures,
    consecutiveSuccesses: v.consecutiveSuccesses,
    checking: v.checking,
    checkingSince: v.checkingSince,
    history: v.history,
    flapScore: v.flapScore,
    flapChanges: v.flapChanges,
    flapFirstChangeAt: v.flapFirstChangeAt,
    flapLastChangeAt: v.flapLastChangeAt,
    flapWindowMs: v.flapWindowMs,
    flapping: v.flapping,
    flapReason: v.flapReason,
    gpuMemoryBytes: v.gpuMemoryBytes,
    load: v.load,
    generation: v.generation,
  };
}
// copyView's literal names every required field (TypeScript checks that); an optional one would be dropped
// silently, so zone and tier must stay the only ones (they take the spread). Add a new optional field there.
type OptionalViewKeys = { [K in keyof BackendView]-?: undefined extends BackendView[K] ? K : never }[keyof BackendView];
const onlyZoneAndTierAreOptional: [OptionalViewKeys] extends ['zone' | 'tier'] ? (['zone' | 'tier'] extends [OptionalViewKeys] ? true : never) : never = true;
void onlyZoneAndTierAreOptional;

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

/**
 * A view's history nobody has looked at yet: the last `size` of the first `end` samples of `ring`.
 *
 * Every probe makes a new view, and its history (up to `history_size` samples, 120 by default) would be
 * copied each time — a kilobyte per probe that lives until the next probe of that backend, which is long
 * enough for V8 to move it to the old generation, where it piles up until a full GC. Most of those copies
 * are never read (the headless `--events` mode reads none). So the samples go into a per-backend ring that
 * is only ever appended to (a full one is replaced, never rewritten), and a view carries this reference
 * until it is first handed out (`current()`, a snapshot), when its `history` becomes the immutable array
 * it always was. No view leaves the store with a pending history.
 */
class PendingHistory {
  constructor(
    readonly ring: readonly ProbeSample[],
    readonly end: number,
    readonly size: number,
  ) {}
  materialize(): readonly ProbeSample[] {
    return this.ring.slice(Math.max(0, this.end - this.size), this.end);
  }
}

/** The view, its history made real if it was pending: call before a view leaves the store. */
function exposed(view: BackendView): BackendView {
  const history: unknown = view.history;
  if (history instanceof PendingHistory) (view as { history: readonly ProbeSample[] }).history = history.materialize();
  return view;
}

/**
 * `snapshot.byName`: the backends of one snapshot by name, read through the config's name → position
 * index shared by every snapshot (a snapshot is published up to 20 times a second; a Map of the whole
 * fleet each time would be built for the few lookups views make). A ReadonlyMap in every respect.
 */
class ByName implements ReadonlyMap<string, BackendView> {
  readonly #index: ReadonlyMap<string, number>;
  readonly #list: readonly BackendView[];
  constructor(index: ReadonlyMap<string, number>, list: readonly BackendView[]) {
    this.#index = index;
    this.#list = list;
  }
  get size(): number {
    return this.#index.size;
  }
  get(name: string): BackendView | undefined {
    const i = this.#index.get(name);
    return i === undefined ? undefined : this.#list[i];
  }
  has(name: string): boolean {
    return this.#index.has(name);
  }
  forEach(callback: (value: BackendView, key: string, map: ReadonlyMap<string, BackendView>) => void, thisArg?: unknown): void {
    for (const [name, i] of this.#index) callback.call(thisArg, this.#list[i]!, name, this);
  }
  *entries(): MapIterator<[string, BackendView]> {
    for (const [name, i] of this.#index) yield [name, this.#list[i]!];
  }
  *keys(): MapIterator<string> {
    yield* this.#index.keys();
  }
  *values(): MapIterator<BackendView> {
    for (const i of this.#index.values()) yield this.#list[i]!;
  }
  [Symbol.iterator](): MapIterator<[string, BackendView]> {
    return this.entries();
  }
}

/** What a snapshot is made of, taken when it is published; the snapshot object is made when first read. */
interface Published {
  backends: readonly BackendView[];
  index: ReadonlyMap<string, number>;
  events: readonly FleetEvent[];
  intervalMs: number;
  paused: boolean;
  replay: ReplayState | null;
  configProblem: string | null;
  gpu: GpuState | null;
  router: RouterView | null;
  at: number;
}

/** A load's sources with `router` in them exactly when the router's pending figure is known. */
function withRouterSource(sources: readonly LoadSource[], pending: number | null): LoadSource[] {
  const others = sources.filter((s) => s !== 'router');
  return pending === null ? others : [...others, 'router'];
}

/** Whether a reading says what the view already shows (figures, sources, error), its time aside. */
function sameLoad(view: LoadView, reading: LoadReading): boolean {
  const f = reading.figures;
  if (view.running !== f.running || view.waiting !== f.waiting || view.kvCache !== f.kvCache) return false;
  if (view.slots !== f.slots && (view.slots === null || f.slots === null || view.slots.busy !== f.slots.busy || view.slots.total !== f.slots.total)) return false;
  if (!sameLoadedModels(view.loadedModels, f.loadedModels)) return false;
  const e = reading.error;
  if (view.error !== e && (view.error === null || e === null || view.error.kind !== e.kind || view.error.message !== e.message)) return false;
  // The view's sources are the reading's plus 'router' at the end when the router gave a figure.
  const own = view.routerPending === null ? view.sources.length : view.sources.length - 1;
  if (own !== reading.sources.length) return false;
  for (let k = 0; k < own; k++) if (view.sources[k] !== reading.sources[k]) return false;
  return true;
}

function sameLoadedModels(a: readonly LoadedModel[] | null, b: readonly LoadedModel[] | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) {
    const x = a[k]!;
    const y = b[k]!;
    if (x.name !== y.name || x.sizeBytes !== y.sizeBytes || x.vramBytes !== y.vramBytes || x.expiresAt !== y.expiresAt) return false;
  }
  return true;
}

/** A load that only the router gave (the backend reports none of its own). */
const routerOnly = (load: LoadView): boolean =>
  load.sources.length === 1 &&
  load.sources[0] === 'router' &&
  load.error === null &&
  load.running === null &&
  load.waiting === null &&
  load.kvCache === null &&
  load.slots === null &&
  load.loadedModels === null;

/** `load` with the router's pending figure for the backend; null when that leaves nothing known. */
function loadWithRouter(load: LoadView | null, pending: number | null, at: number | null): LoadView | null {
  if (load === null) return pending === null ? null : { ...NO_FIGURES, routerPending: pending, sources: ['router'], at, error: null };
  if (pending === null && routerOnly(load)) return null;
  return { ...load, routerPending: pending, sources: withRouterSource(load.sources, pending), ...(routerOnly(load) ? { at } : {}) };
}

/** The fleet's state: probes write to it, every view reads immutable snapshots of it. */
export function createStore(initial: Config, options: StoreOptions): FleetStore {
  let config = initial;
  const { clock } = options;
  const batchMs = options.batchMs ?? 50;
  let thresholds: Thresholds = config.health;
  const start = clock.now();
  // Backends by position in config order; `index` finds a name's position. A reload makes new ones
  // (snapshots already published keep theirs).
  let index = new Map<string, number>();
  let live: BackendView[] = [];
  let health: HealthState[] = [];
  // Every backend's samples, oldest first (see PendingHistory); the last `historySize` are its history.
  let rings: ProbeSample[][] = [];
  // Every backend's status changes within the flap window.
  let changes: StatusChanges[] = [];
  let intervalMs = config.health.intervalMs;
  const ruleOf = (c: Config): FlapRule => ({
    window: c.top.flapWindow,
    low: c.top.flapLow,
    high: c.top.flapHigh,
    changes: c.top.flapChanges,
    windowMs: c.top.flapWindowMs,
  });
  let flap = ruleOf(config);
  for (const b of config.backends) {
    index.set(b.name, live.length);
    live.push(viewOf(b, start, flapWindowMs(flap, intervalMs)));
    health.push(initialHealth(start));
    rings.push([]);
    changes.push(new StatusChanges());
  }
  let paused = false;
  let replay: ReplayState | null = null;
  let configProblem: string | null = null;
  let gpu: GpuState | null = null;
  let router: RouterView | null = null;
  // The last known `waiting` of each backend (0 before any), by name: a `load` event is a crossing of 0.
  const lastWaiting = new Map<string, number>();
  // At least one sample, as a bounded list of size 0 would still keep the newest.
  let historySize = Math.max(1, config.top.historySize, config.top.flapWindow);
  // A ring holds a little more than a history, so it is replaced (the last samples copied) only every few probes.
  let ringSize = historySize + Math.max(16, historySize >> 2);

  // The event log: appended in place, trimmed now and then; `events` is its last EVENT_LOG_SIZE as an
  // immutable array, made again only after something was appended.
  const log: FleetEvent[] = [];
  let events: readonly FleetEvent[] = [];
  let eventsStale = false;
  const currentEvents = (): readonly FleetEvent[] => {
    if (eventsStale) {
      eventsStale = false;
      events = log.length > EVENT_LOG_SIZE ? log.slice(log.length - EVENT_LOG_SIZE) : log.slice();
    }
    return events;
  };
  const eventListeners = new Set<(event: FleetEvent) => void>();
  const resultListeners = new Set<(result: ProbeResult) => void>();
  const gpuListeners = new Set<(state: GpuState) => void>();
  const loadListeners = new Set<(reading: LoadReading) => void>();
  const generationListeners = new Set<(result: GenerationResult) => void>();
  // Each backend's generation threshold state, by name; absent: no check has run.
  const generationHealth = new Map<string, HealthState>();
  /** The health a backend shows: its probes', or unhealthy while its generation check says so. */
  const shownHealth = (probed: HealthState['health'], name: string): HealthState['health'] => (generationHealth.get(name)?.health === 'unhealthy' ? 'unhealthy' : probed);
  const routerListeners = new Set<(view: RouterView | null) => void>();
  const emit = (event: FleetEvent): void => {
    log.push(event);
    if (log.length >= 2 * EVENT_LOG_SIZE) log.splice(0, log.length - EVENT_LOG_SIZE);
    eventsStale = true;
    if (eventListeners.size === 0) return;
    for (const l of [...eventListeners]) l(event);
  };

  const capture = (): Published => ({ backends: live.slice(), index, events: currentEvents(), intervalMs, paused, replay, configProblem, gpu, router, at: clock.now() });
  const materialize = (p: Published): FleetSnapshot => {
    for (const view of p.backends) exposed(view);
    return {
      source: config.source,
      intervalMs: p.intervalMs,
      paused: p.paused,
      backends: p.backends,
      byName: new ByName(p.index, p.backends),
      summary: summarize(p.backends),
      events: p.events,
      at: p.at,
      replay: p.replay,
      configProblem: p.configProblem,
      gpu: p.gpu,
      router: p.router,
    };
  };

  let snapshot: FleetSnapshot = materialize(capture());
  // Published while nobody was subscribed: made into `snapshot` when someone reads it.
  let unread: Published | null = null;
  let dirty = false;
  let timer: TimerHandle | undefined;
  const listeners = new Set<() => void>();

  const publish = (): void => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
    if (!dirty) return;
    dirty = false;
    if (listeners.size === 0) {
      unread = capture();
      return;
    }
    unread = null;
    snapshot = materialize(capture());
    for (const l of [...listeners]) l();
  };

  const changed = (): void => {
    dirty = true;
    timer ??= clock.setTimeout(publish, batchMs);
  };

  const set = (i: number, view: BackendView): void => {
    live[i] = view;
    changed();
  };

  /** The router's pending figures onto every backend's load; only the views whose figure changed are new. */
  const applyRouter = (): void => {
    for (let i = 0; i < live.length; i++) {
      const v = live[i]!;
      const pending = router?.backends.get(v.name)?.pending ?? null;
      if ((v.load?.routerPending ?? null) === pending && (v.load === null || !routerOnly(v.load) || v.load.at === router?.at)) continue;
      const next = copyView(v);
      next.load = loadWithRouter(v.load, pending, router?.at ?? null);
      live[i] = next;
    }
  };

  const viewNamed = (name: string): BackendView | undefined => {
    const i = index.get(name);
    return i === undefined ? undefined : exposed(live[i]!);
  };

  return {
    getSnapshot() {
      if (unread !== null) {
        snapshot = materialize(unread);
        unread = null;
      }
      return snapshot;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    current: viewNamed,
    currentHealth: (name) => {
      const i = index.get(name);
      return i === undefined ? undefined : health[i];
    },
    markChecking(name, checking) {
      const i = index.get(name);
      if (i === undefined) return;
      const v = live[i]!;
      if (v.checking === checking) return;
      const next = copyView(v);
      next.checking = checking;
      next.checkingSince = checking ? clock.now() : null;
      set(i, next);
    },
    recordResult(result) {
      const i = index.get(result.backend);
      if (i === undefined) return;
      const at = result.finishedAt;
      const h = nextHealth(health[i]!, result, thresholds, at);
      health[i] = h;
      const v = live[i]!;
      // History and flap detection look at raw outcomes, not the thresholded status.
      const sample: ProbeSample =
        result.outcome === 'failure'
          ? { at, outcome: result.outcome, latencyMs: result.latencyMs, kind: result.kind }
          : { at, outcome: result.outcome, latencyMs: result.latencyMs };
      let ring = rings[i]!;
      if (ring.length >= ringSize) {
        // Full: a new ring with the last samples; views still pointing into the old one keep it as it is.
        ring = ring.slice(ring.length - historySize + 1);
        rings[i] = ring;
      }
      ring.push(sample);
      const end = ring.length;
      const history = new PendingHistory(ring, end, historySize) as unknown as readonly ProbeSample[];
      const score = flapScoreOf(ring, flap.window, Math.max(0, end - historySize), end);
      const windowMs = flapWindowMs(flap, intervalMs);
      const statusChanges = changes[i]!;
      const shown = generationHealth.size === 0 ? h.health : shownHealth(h.health, result.backend);
      statusChanges.note(shown, at, windowMs);
      const flapReason = flapVerdict(v.flapping, score, statusChanges.count, flap);
      const flapping = flapReason !== null;
      const status = statusOf(v.drained, shown);
      const statusSince = sinceOf(v, status, at);
      const after = copyView(v);
      after.health = shown;
      after.consecutiveFailures = h.consecutiveFailures;
      after.consecutiveSuccesses = h.consecutiveSuccesses;
      after.lastCheckAt = at;
      after.lastOutcome = result.outcome;
      after.checking = false;
      after.checkingSince = null;
      if (result.outcome === 'ok') {
        const sample = result.latencyMs;
        after.loadingMessage = null;
        after.latencyMs = sample;
        after.latencyEmaMs = nextEma(v.latencyEmaMs, sample);
        after.latencyMinMs = v.latencyMinMs === null ? sample : Math.min(v.latencyMinMs, sample);
        after.latencyMaxMs = v.latencyMaxMs === null ? sample : Math.max(v.latencyMaxMs, sample);
        after.latencyStale = false;
        after.models = result.models === null ? v.models : sameModels(v.models, result.models) ? v.models : result.models;
        after.modelsListedAt = result.models === null ? v.modelsListedAt : at;
        // Stale only when there is a list to be stale: a TCP or command check never lists models.
        after.modelsStale = result.models === null && v.modelsListedAt !== null;
      } else if (result.outcome === 'loading') {
        after.loadingMessage = result.message;
        after.latencyStale = v.latencyEmaMs !== null;
        after.modelsStale = v.models.length > 0;
      } else {
        const error = { kind: result.kind, message: result.message, at };
        after.loadingMessage = null;
        after.lastError = error;
        after.recentErrors = pushBounded(v.recentErrors, error, RECENT_ERRORS);
        after.latencyStale = v.latencyEmaMs !== null;
        // A failed probe keeps the last known models, marked stale (as Nexus does).
        after.modelsStale = v.models.length > 0;
      }
      after.status = status;
      after.statusSince = statusSince;
      after.history = history;
      after.flapScore = score;
      after.flapChanges = statusChanges.count;
      after.flapFirstChangeAt = statusChanges.first;
      after.flapLastChangeAt = statusChanges.last;
      after.flapWindowMs = windowMs;
      after.flapping = flapping;
      after.flapReason = flapReason;
      set(i, after);
      if (resultListeners.size > 0) for (const l of [...resultListeners]) l(result);
      if (after.health !== v.health) {
        emit({
          ts: at,
          type: 'status',
          backend: result.backend,
          from: v.health,
          to: after.health,
          ...(result.outcome === 'failure' ? { kind: result.kind, message: result.message } : {}),
          ...(result.outcome === 'loading' ? { message: result.message } : {}),
        });
      }
      if (after.flapping !== v.flapping) {
        emit({ ts: at, type: after.flapping ? 'flap_start' : 'flap_stop', backend: result.backend, score: Math.round(after.flapScore * 10) / 10, changes: after.flapChanges });
      }
    },
    setDrained(name, drained) {
      const at = clock.now();
      const i = index.get(name);
      if (i === undefined) return;
      const v = live[i]!;
      if (v.drained === drained) return;
      set(i, withStatus(v, { ...v, drained }, at));
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
    reconfigure(next, change) {
      const at = clock.now();
      const fresh = new Set([...change.added, ...change.replaced].map((b) => b.name));
      const nextIndex = new Map<string, number>();
      const nextLive: BackendView[] = [];
      const nextHealth: HealthState[] = [];
      const nextRings: ProbeSample[][] = [];
      const nextChanges: StatusChanges[] = [];
      const nextRule = change.settings ? ruleOf(next) : flap;
      for (const b of next.backends) {
        const i = index.get(b.name);
        nextIndex.set(b.name, nextLive.length);
        if (i === undefined || fresh.has(b.name)) {
          lastWaiting.delete(b.name);
          generationHealth.delete(b.name);
          const view = viewOf(b, at, flapWindowMs(nextRule, intervalMs));
          nextLive.push(i !== undefined && live[i]!.drained ? withStatus(view, { ...view, drained: true }, at) : view);
          nextHealth.push(initialHealth(at));
          nextRings.push([]);
          nextChanges.push(new StatusChanges());
        } else {
          const v = live[i]!;
          const { zone: _zone, tier: _tier, ...rest } = v;
          nextLive.push({ ...rest, priority: b.priority, ...(b.zone !== undefined ? { zone: b.zone } : {}), ...(b.tier !== undefined ? { tier: b.tier } : {}) });
          nextHealth.push(health[i]!);
          nextRings.push(rings[i]!);
          nextChanges.push(changes[i]!);
        }
      }
      for (const name of change.removed) {
        lastWaiting.delete(name);
        generationHealth.delete(name);
      }
      if (next.top.generateIntervalMs === null) {
        // The check turned off: what it found no longer holds a backend unhealthy.
        generationHealth.clear();
        for (let j = 0; j < nextLive.length; j++) {
          const v = nextLive[j]!;
          if (v.generation === null && v.health === nextHealth[j]!.health) continue;
          nextLive[j] = withStatus(v, { ...v, generation: null, health: nextHealth[j]!.health }, at);
        }
      }
      index = nextIndex;
      live = nextLive;
      health = nextHealth;
      rings = nextRings;
      changes = nextChanges;
      if (change.settings) {
        thresholds = next.health;
        flap = nextRule;
        historySize = Math.max(1, next.top.historySize, next.top.flapWindow);
        ringSize = historySize + Math.max(16, historySize >> 2);
        // A new interval comes through the monitor (setIntervalMs), which reschedules.
      }
      config = next;
      emit({
        ts: at,
        type: 'config_reload',
        added: change.added.map((b) => b.name),
        removed: [...change.removed],
        replaced: change.replaced.map((b) => b.name),
      });
      // A backend added (or replaced) gets the router's figure at once, not a round later.
      if (router !== null) applyRouter();
      changed();
    },
    setGpu(state) {
      gpu = state;
      // Each backend's share, on its view (a row shows it); only the views whose share changed are new.
      const held = memoryByBackend(state.gpus ?? []);
      for (let i = 0; i < live.length; i++) {
        const v = live[i]!;
        const bytes = held.get(v.name) ?? null;
        if (v.gpuMemoryBytes === bytes) continue;
        const next = copyView(v);
        next.gpuMemoryBytes = bytes;
        live[i] = next;
      }
      changed();
      if (gpuListeners.size > 0) for (const l of [...gpuListeners]) l(state);
    },
    clearGpu() {
      if (gpu === null) return;
      gpu = null;
      for (let i = 0; i < live.length; i++) {
        const v = live[i]!;
        if (v.gpuMemoryBytes === null) continue;
        const next = copyView(v);
        next.gpuMemoryBytes = null;
        live[i] = next;
      }
      changed();
    },
    onGpu(listener) {
      gpuListeners.add(listener);
      return () => gpuListeners.delete(listener);
    },
    setLoad(reading) {
      const i = index.get(reading.backend);
      if (i === undefined) return;
      const v = live[i]!;
      const next = copyView(v);
      const routerPending = v.load?.routerPending ?? null;
      const f = reading.figures;
      // The same figures as last time (the common case: a fleet at rest, Ollama's /api/ps every round):
      // the old view's arrays and objects are kept, so nothing is allocated for them and whatever compares
      // them by identity sees no change. `at` still moves: it is when load was last read, shown as an age,
      // and an unchanged reading is a fresh one (keeping the old `at` would show fresh load as stale).
      const prev = v.load !== null && sameLoad(v.load, reading) ? v.load : null;
      next.load = {
        running: f.running,
        waiting: f.waiting,
        kvCache: f.kvCache,
        slots: prev ? prev.slots : f.slots,
        loadedModels: prev ? prev.loadedModels : f.loadedModels,
        routerPending,
        sources: prev ? prev.sources : withRouterSource(reading.sources, routerPending),
        at: reading.at,
        error: prev ? prev.error : reading.error,
      };
      set(i, next);
      const waiting = reading.figures.waiting;
      if (waiting !== null) {
        const before = lastWaiting.get(reading.backend) ?? 0;
        lastWaiting.set(reading.backend, waiting);
        if ((before === 0) !== (waiting === 0)) emit({ ts: reading.at, type: 'load', backend: reading.backend, waiting_from: before, waiting_to: waiting });
      }
      if (loadListeners.size > 0) for (const l of [...loadListeners]) l(reading);
    },
    onLoad(listener) {
      loadListeners.add(listener);
      return () => loadListeners.delete(listener);
    },
    recordGeneration(result) {
      const i = index.get(result.backend);
      if (i === undefined) return;
      const { backend: name, at } = result;
      const v = live[i]!;
      const after = copyView(v);
      after.generation = { at, ok: result.ok, model: result.model, ttftMs: result.ttftMs, error: result.error, skipped: result.skipped };
      if (result.skipped === null) {
        // Like the probe's: the first check decides, later ones need the thresholds.
        const before = generationHealth.get(name) ?? initialHealth(at);
        const outcome: ProbeOutcome = result.ok
          ? { outcome: 'ok', models: null }
          : { outcome: 'failure', kind: result.error?.kind ?? 'http', message: result.error?.message ?? 'generation failed' };
        generationHealth.set(name, nextHealth(before, outcome, thresholds, at));
        if (outcome.outcome === 'failure') {
          const error: ErrorRecord = { kind: outcome.kind, message: outcome.message, at, stage: 'generate' };
          after.lastError = error;
          after.recentErrors = pushBounded(v.recentErrors, error, RECENT_ERRORS);
        }
        const shown = shownHealth(health[i]!.health, name);
        if (shown !== v.health) {
          after.health = shown;
          after.status = statusOf(v.drained, shown);
          after.statusSince = sinceOf(v, after.status, at);
          const statusChanges = changes[i]!;
          statusChanges.note(shown, at, v.flapWindowMs);
          after.flapChanges = statusChanges.count;
          after.flapFirstChangeAt = statusChanges.first;
          after.flapLastChangeAt = statusChanges.last;
        }
      }
      set(i, after);
      if (generationListeners.size > 0) for (const l of [...generationListeners]) l(result);
      if (after.health !== v.health) {
        emit({ ts: at, type: 'status', backend: name, from: v.health, to: after.health, ...(result.error ? { kind: result.error.kind, message: `generate: ${result.error.message}` } : {}) });
      }
    },
    onGeneration(listener) {
      generationListeners.add(listener);
      return () => generationListeners.delete(listener);
    },
    setRouter(view) {
      router = view;
      applyRouter();
      changed();
      if (routerListeners.size > 0) for (const l of [...routerListeners]) l(view);
    },
    onRouter(listener) {
      routerListeners.add(listener);
      return () => routerListeners.delete(listener);
    },
    setConfigProblem(problem) {
      if (problem === configProblem) return;
      configProblem = problem;
      if (problem !== null) emit({ ts: clock.now(), type: 'config_error', message: problem });
      changed();
    },
  };
}
