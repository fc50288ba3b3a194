/**
 * What the table shows should change when something a person cares about changed, not on every
 * probe: over SSH each changed row is rewritten whole, and a steady fleet whose LATENCY jitters
 * (1.8ms, 2.1ms, 1.9ms…) would repaint every row every round.
 */

/**
 * The EMA must be this many times faster or slower than the value on screen before the screen follows.
 * Loopback latency on a busy box swings 8–17 ms from probe to probe; a person acts on a backend that got
 * twice as slow, not on one that wobbles.
 */
export const LATENCY_FACTOR = 1.5;
/** …and by at least this much: 3 ms against 6 ms on loopback is noise, not news. */
export const LATENCY_FLOOR_MS = 5;

/**
 * The latency to show: the one on screen while the EMA stays within a factor of it (or a few ms), else the EMA.
 * Going back to "-" (no latency) or from it is always shown at once.
 */
export function steadyLatency(shown: number | null | undefined, ema: number | null, factor = LATENCY_FACTOR, floorMs = LATENCY_FLOOR_MS): number | null {
  if (ema === null || shown === null || shown === undefined) return ema;
  const within = ema <= shown * factor && ema * factor >= shown;
  return within || Math.abs(ema - shown) < floorMs ? shown : ema;
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
