import parseUnits from 'parse-duration';

const BARE_NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
/** One `<number><unit>` part; the whole text must be a run of these (`2m30s`, `1h 5m`). */
const PART = /((?:\d+(?:\.\d*)?|\.\d+))\s*([a-zµμ]+)/giy;

/**
 * A duration flag (`--interval`, `--timeout`) in milliseconds, or null when it is not a
 * positive, finite duration.
 *
 * - `500ms`, `5s`, `1.5s`, `1m`, `2m30s`, `1h`: any unit parse-duration knows
 *   (ns, us, ms, s, m, h, d, w, and long forms such as `sec`, `minutes`).
 * - A bare number is seconds, like the config's `*_seconds` keys: `5` → 5000, `0.2` → 200.
 * - Null for garbage, unknown units (`5x`, `5s3x`), signs (`-5s`, `+5s`), zero, NaN, Infinity.
 *
 * parse-duration alone is too lenient for a flag (it skips what it does not understand:
 * `abc5s` → 5000, `5s3x` → 5000), so the text is checked part by part first.
 */
export function parseDuration(text: string): number | null {
  const s = text.trim();
  if (s === '') return null;
  let ms: number;
  if (BARE_NUMBER.test(s)) {
    ms = Number(s) * 1000;
  } else {
    ms = 0;
    PART.lastIndex = 0;
    let end = 0;
    for (let m = PART.exec(s); m; m = PART.exec(s)) {
      const part = parseUnits(`1${m[2]}`);
      if (part === null || !Number.isFinite(part)) return null;
      ms += Number(m[1]) * part;
      end = PART.lastIndex;
      while (s[end] === ' ') end++;
      PART.lastIndex = end;
    }
    if (end !== s.length) return null;
  }
  ms = roundMs(ms);
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}

/** Milliseconds rounded to the microsecond: `1.1 s` is 1100 ms, not 1100.0000000000002. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
