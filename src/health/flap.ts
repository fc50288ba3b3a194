import type { Health } from './state.js';

/** What a probe said, for flap detection: loading is neither up nor down. */
export type RawOutcome = 'ok' | 'failure' | 'loading';

export interface FlapSettings {
  /** How many raw outcomes (loading left out) the score looks at. */
  window: number;
  /** Percent: a flapping backend stops flapping below this. */
  low: number;
  /** Percent: a backend starts flapping at this or above. */
  high: number;
}

export const DEFAULT_FLAP: FlapSettings = { window: 21, low: 20, high: 30 };

/**
 * The whole flap rule: the outcome score above, and the status view, which catches slow flaps the score
 * misses (a square wave of P probes scores about 200/P %, so anything slower than ~6 probes a cycle stays
 * under `high` however long it goes on).
 */
export interface FlapRule extends FlapSettings {
  /** Status changes (healthy <-> unhealthy) within the window that make a backend flapping. */
  changes: number;
  /** The status window in ms, as configured; null: the longer of 20 intervals and 60 s. */
  windowMs: number | null;
}

export const DEFAULT_FLAP_RULE: FlapRule = { ...DEFAULT_FLAP, changes: 4, windowMs: null };

/** The default status window: the longer of 20 intervals and a minute. */
export const DEFAULT_WINDOW_INTERVALS = 20;
export const DEFAULT_WINDOW_MIN_MS = 60_000;
/** A configured window may not be shorter than this many intervals (it would hold too few probes to see a change come and go). */
export const MIN_WINDOW_INTERVALS = 2;

/**
 * The status window at this interval. A configured one is kept, but never below two intervals: the
 * interval can grow at run time (`+`) past what the config was checked against.
 */
export function flapWindowMs(rule: Pick<FlapRule, 'windowMs'>, intervalMs: number): number {
  if (rule.windowMs === null) return Math.max(DEFAULT_WINDOW_INTERVALS * intervalMs, DEFAULT_WINDOW_MIN_MS);
  return Math.max(rule.windowMs, MIN_WINDOW_INTERVALS * intervalMs);
}

/** Why a backend is flapping: which rule holds, or `holding` while it is on its way out (hysteresis). */
export type FlapReason = 'changes' | 'score' | 'both' | 'holding';

/**
 * The verdict of both views, with hysteresis. A backend starts flapping when its status changed at least
 * `changes` times within the window or its score reached `high`; it stops only when both have settled:
 * no more than `changes - 2` status changes left in the window and the score below `low`.
 * Returns null when it is not flapping.
 */
export function flapVerdict(wasFlapping: boolean, score: number, changes: number, rule: FlapRule): FlapReason | null {
  const byChanges = changes >= rule.changes;
  const byScore = score >= rule.high;
  if (byChanges && byScore) return 'both';
  if (byChanges) return 'changes';
  if (byScore) return 'score';
  if (wasFlapping && (score >= rule.low || changes > rule.changes - 2)) return 'holding';
  return null;
}

/** Kept per backend: more status changes than this within one window say nothing more. */
export const MAX_STATUS_CHANGES = 1_000;

/**
 * The times a backend's health changed between healthy and unhealthy, within the flap window, oldest
 * first. Loading is neither side (a model loading is not a flap) and the first verdict after unknown is
 * not a change. Mutable and owned by the store, one per backend, so a probe costs no copy.
 */
export class StatusChanges {
  private readonly times: number[] = [];
  private side: 'healthy' | 'unhealthy' | null = null;

  /** The health after a probe finished at `at`; changes older than the window are dropped. */
  note(health: Health, at: number, windowMs: number): void {
    if (health === 'healthy' || health === 'unhealthy') {
      if (this.side !== null && health !== this.side) {
        this.times.push(at);
        if (this.times.length > MAX_STATUS_CHANGES) this.times.shift();
      }
      this.side = health;
    }
    this.prune(at, windowMs);
  }

  /** Drop the changes that left the window ending at `now`. */
  prune(now: number, windowMs: number): void {
    const from = now - windowMs;
    let drop = 0;
    while (drop < this.times.length && this.times[drop]! <= from) drop++;
    if (drop > 0) this.times.splice(0, drop);
  }

  get count(): number {
    return this.times.length;
  }

  get first(): number | null {
    return this.times[0] ?? null;
  }

  get last(): number | null {
    return this.times.at(-1) ?? null;
  }
}

// Nagios's curve: the oldest change in the window weighs 0.75, the newest 1.25.
const LOW_WEIGHT = 0.75;
const HIGH_WEIGHT = 1.25;

/**
 * The percentage of state changes among the last `window` up/down outcomes, recent changes weighted
 * more (Nagios's percent state change). Outcomes are oldest first; loading results are left out, so
 * they are not changes. A window not yet full counts its missing slots as unchanged.
 */
export function flapScore(outcomes: readonly RawOutcome[], window: number): number {
  return flapScoreOf(outcomes.map((outcome) => ({ outcome })), window);
}

/**
 * `flapScore` of the outcomes of `samples[start..end)` (a stretch of the store's history ring, oldest
 * first), read in place, without a copy.
 */
export function flapScoreOf(samples: readonly { readonly outcome: RawOutcome }[], window: number, start = 0, end = samples.length): number {
  if (window < 3) return 0;
  // The oldest of the last `window` up/down outcomes.
  let count = 0;
  let from = end;
  for (let i = end - 1; i >= start && count < window; i--) {
    if (samples[i]!.outcome !== 'loading') {
      count++;
      from = i;
    }
  }
  const transitions = window - 1;
  const first = transitions - (count - 1) + 1;
  let weighted = 0;
  let k = 0;
  let previous: RawOutcome | undefined;
  for (let i = from; i < end; i++) {
    const outcome = samples[i]!.outcome;
    if (outcome === 'loading') continue;
    if (k > 0 && outcome !== previous) {
      const x = first + k - 1;
      weighted += ((x - 1) * (HIGH_WEIGHT - LOW_WEIGHT)) / (transitions - 1) + LOW_WEIGHT;
    }
    previous = outcome;
    k++;
  }
  return (weighted * 100) / transitions;
}
