import type { ProbeOutcome } from '../core/outcome.js';

/** What the probes say about a backend, after thresholds. */
export type Health = 'unknown' | 'healthy' | 'unhealthy' | 'loading';
/** What the user sees: the health, or `draining` when the operator drained it. */
export type Status = Health | 'draining';

export interface Thresholds {
  failureThreshold: number;
  recoveryThreshold: number;
}

export interface HealthState {
  health: Health;
  /** Clock time the health last changed (or was first set). */
  since: number;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
}

export function initialHealth(at: number): HealthState {
  return { health: 'unknown', since: at, consecutiveFailures: 0, consecutiveSuccesses: 0 };
}

/**
 * The threshold state machine (Nexus semantics, extended with `loading`):
 * - unknown: the first result decides (healthy, unhealthy or loading);
 * - healthy -> unhealthy after `failureThreshold` consecutive failures, so one blip is not an outage;
 * - unhealthy -> healthy after `recoveryThreshold` consecutive successes;
 * - a backend that says it is loading is `loading` at once (it is alive, not failing);
 *   it leaves on the next success, or becomes unhealthy after `failureThreshold` failures.
 */
export function nextHealth(state: HealthState, outcome: ProbeOutcome, t: Thresholds, at: number): HealthState {
  let { health, consecutiveFailures, consecutiveSuccesses } = state;
  switch (outcome.outcome) {
    case 'ok':
      consecutiveSuccesses += 1;
      consecutiveFailures = 0;
      if (health === 'unknown' || health === 'loading') health = 'healthy';
      else if (health === 'unhealthy' && consecutiveSuccesses >= t.recoveryThreshold) health = 'healthy';
      break;
    case 'failure':
      consecutiveFailures += 1;
      consecutiveSuccesses = 0;
      if (health === 'unknown') health = 'unhealthy';
      else if (consecutiveFailures >= t.failureThreshold) health = 'unhealthy';
      break;
    case 'loading':
      consecutiveFailures = 0;
      consecutiveSuccesses = 0;
      health = 'loading';
      break;
  }
  const since = health === state.health ? state.since : at;
  return { health, since, consecutiveFailures, consecutiveSuccesses };
}

/** A failure has been seen but not yet confirmed by the threshold: worth re-probing soon. */
export function failureUnconfirmed(state: HealthState, t: Thresholds): boolean {
  return state.health !== 'unhealthy' && state.consecutiveFailures >= 1 && state.consecutiveFailures < t.failureThreshold;
}

/** Latency EMA with alpha = 0.2, as Nexus computes it: new = (sample + 4 * old) / 5. The first sample initialises it. */
export function nextEma(previous: number | null, sample: number, alpha = 0.2): number {
  return previous === null ? sample : previous + alpha * (sample - previous);
}
