/** Coarse age like k9s' AGE column: `45s`, `12m`, `3h`, `2d`. */
export function coarseAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/** An interval for the header: `500ms`, `2s`, `1m`, `1m30s`. */
export function formatInterval(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return Number.isInteger(s) ? `${s}s` : `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  return rest === 0 ? `${m}m` : `${m}m${rest}s`;
}

/** The steps `+` and `-` move through. */
export const INTERVAL_STEPS_MS = [1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 300_000] as const;

/** The next step above (`+1`) or below (`-1`) the current interval, which need not be a step itself. */
export function stepInterval(currentMs: number, direction: 1 | -1): number {
  if (direction > 0) return INTERVAL_STEPS_MS.find((s) => s > currentMs) ?? INTERVAL_STEPS_MS[INTERVAL_STEPS_MS.length - 1]!;
  return [...INTERVAL_STEPS_MS].reverse().find((s) => s < currentMs) ?? INTERVAL_STEPS_MS[0];
}

/** Wall-clock time of day for the detail pane, local time: `14:03:27`. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** Wall-clock date and time, local: `2026-11-24 10:31:07` (the time in a recording being replayed). */
export function dateTime(ms: number): string {
  const d = new Date(ms);
  const date = [d.getFullYear(), d.getMonth() + 1, d.getDate()].map((n, i) => String(n).padStart(i === 0 ? 4 : 2, '0')).join('-');
  return `${date} ${clockTime(ms)}`;
}
