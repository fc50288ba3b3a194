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

/** Hysteresis: start at `high`, stop below `low`, keep the previous verdict in between. */
export function nextFlapping(wasFlapping: boolean, score: number, s: FlapSettings): boolean {
  if (score >= s.high) return true;
  if (score < s.low) return false;
  return wasFlapping;
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
