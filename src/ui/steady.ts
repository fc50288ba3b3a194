/**
 * What the table shows should change when something a person cares about changed, not on every
 * probe: over SSH each changed row is rewritten whole, and a steady fleet whose LATENCY jitters
 * (1.8ms, 2.1ms, 1.9ms…) would repaint every row every round.
 */

/** The EMA must move this much (relative) from the value on screen before the screen follows. */
export const LATENCY_BAND = 0.25;

/**
 * The latency to show: the one on screen while the EMA stays within `band` of it, else the EMA.
 * Going back to "-" (no latency) or from it is always shown at once.
 */
export function steadyLatency(shown: number | null | undefined, ema: number | null, band = LATENCY_BAND): number | null {
  if (ema === null || shown === null || shown === undefined) return ema;
  return Math.abs(ema - shown) <= band * shown ? shown : ema;
}

/** A probe that returns within this is not worth a mark on screen: only slow probes show `↻`. */
export const SLOW_PROBE_MS = 1_000;

/** A probe of this backend has been running for at least SLOW_PROBE_MS (or it has never been probed yet). */
export function slowProbe(checkingSince: number | null, now: number): boolean {
  return checkingSince !== null && now - checkingSince >= SLOW_PROBE_MS;
}

/** Remembers the latency on screen per backend (one number per name in the fleet). */
export function createLatencyMemory(): (name: string, ema: number | null) => number | null {
  const shown = new Map<string, number | null>();
  return (name, ema) => {
    const value = steadyLatency(shown.get(name), ema);
    shown.set(name, value);
    return value;
  };
}
