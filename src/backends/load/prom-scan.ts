/**
 * The few series a load figure needs, found in a Prometheus text exposition (`GET /metrics`) without
 * building a model of the whole body: a vLLM or SGLang `/metrics` is 50–100 KB of histograms, of which
 * two or three gauges matter here. Each wanted name is found with `indexOf` (native, no allocation per
 * line); only its own lines are read.
 *
 * Garbage-tolerant: a line cut in half, a value that is not a number, labels with escaped quotes or a
 * `}` inside a quoted value, the same series twice (the last one counts). NaN and ±Inf are read as such;
 * callers decide what an infinite queue means (nothing: they drop non-finite values).
 */

/** One series of a metric: its label text as written (between the braces, '' for none) and its value. */
export interface Sample {
  labels: string;
  value: number;
}

/** The samples of each wanted metric, in body order, one per distinct label set. */
export type Scanned = Map<string, Sample[]>;

/** Prometheus' spellings of the special values; anything else goes through Number(). */
function valueOf(token: string): number {
  switch (token) {
    case 'NaN':
      return Number.NaN;
    case '+Inf':
    case 'Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
    default:
      // Number('') is 0: an empty token is no value at all.
      return token === '' ? Number.NaN : Number(token);
  }
}

/** The index just past the `}` closing a label set that opens at `from` (a `{`), or -1 if the line ends first. */
function labelsEnd(text: string, from: number, lineEnd: number): number {
  let quoted = false;
  for (let i = from + 1; i < lineEnd; i++) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) quoted = false;
    } else if (c === 0x22) quoted = true;
    else if (c === 0x7d /* } */) return i + 1;
  }
  return -1;
}

function readSample(text: string, nameEnd: number, lineEnd: number): Sample | null {
  let at = nameEnd;
  let labels = '';
  if (text.charCodeAt(at) === 0x7b /* { */) {
    const end = labelsEnd(text, at, lineEnd);
    if (end < 0) return null;
    labels = text.slice(at + 1, end - 1);
    at = end;
  }
  // The value, then an optional timestamp, separated by blanks.
  const rest = text.slice(at, lineEnd).trim();
  if (rest === '') return null;
  const space = rest.search(/[ \t]/);
  const value = valueOf(space < 0 ? rest : rest.slice(0, space));
  return Number.isNaN(value) && rest.slice(0, 3) !== 'NaN' ? null : { labels, value };
}

/** The samples of every name in `names` (exact metric names, no suffix matching). */
export function scanMetrics(text: string, names: readonly string[]): Scanned {
  const found: Scanned = new Map();
  for (const name of names) {
    const byLabels = new Map<string, Sample>();
    let from = 0;
    for (;;) {
      const at = text.indexOf(name, from);
      if (at < 0) break;
      from = at + name.length;
      // Only at the start of a line, and only the whole name (`vllm:num_requests_running_total` is another metric).
      if (at > 0 && text.charCodeAt(at - 1) !== 0x0a) continue;
      const next = text.charCodeAt(from);
      if (next !== 0x7b && next !== 0x20 && next !== 0x09) continue;
      let lineEnd = text.indexOf('\n', from);
      if (lineEnd < 0) lineEnd = text.length;
      const sample = readSample(text, from, lineEnd);
      if (sample) byLabels.set(sample.labels, sample);
      from = lineEnd;
    }
    if (byLabels.size > 0) found.set(name, [...byLabels.values()]);
  }
  return found;
}

/** The value of one label in a label text (`engine="0",model_name="x"`), unescaped; undefined when absent. */
export function labelValue(labels: string, key: string): string | undefined {
  const re = /([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(labels); m !== null; m = re.exec(labels)) {
    if (m[1] === key) return m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return undefined;
}
