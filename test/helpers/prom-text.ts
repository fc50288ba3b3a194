/**
 * A strict parser of the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format), for tests:
 * it reads a scrape the way Prometheus would and throws on anything Prometheus would refuse,
 * so a test that reads values through it also checks that the exposition is valid.
 *
 * Written here rather than taken from npm: the only JS parser in use (parse-prometheus-text-format 1.1.1,
 * unmaintained since 2019) drops the labels of histograms whose `le` label is not last, as prom-client writes them.
 */

export type PromType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface PromSample {
  /** The sample's own name (`x_bucket`, `x_sum`, …). */
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
}

export interface PromFamily {
  name: string;
  help: string;
  type: PromType;
  samples: PromSample[];
}

export class PromParseError extends Error {}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<PromType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** As Prometheus reads it (Go's strconv.ParseFloat): NaN and Inf in any case, Inf and Infinity signed or not. */
function parseValue(text: string, line: number): number {
  if (/^nan$/i.test(text)) return NaN;
  const inf = /^([+-]?)inf(inity)?$/i.exec(text);
  if (inf) return inf[1] === '-' ? -Infinity : Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new PromParseError(`line ${line}: bad value ${JSON.stringify(text)}`);
  return Number(text);
}

function unescapeHelp(text: string, line: number): string {
  return text.replace(/\\(.?)/g, (_m, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    throw new PromParseError(`line ${line}: bad escape in HELP`);
  });
}

/** `name{a="x",b="y"} 1.5 123` → its parts. */
function parseSampleLine(text: string, line: number): PromSample {
  let i = 0;
  const fail = (why: string): never => {
    throw new PromParseError(`line ${line}: ${why}: ${JSON.stringify(text)}`);
  };
  while (i < text.length && /[a-zA-Z0-9_:]/.test(text[i]!)) i++;
  const name = text.slice(0, i);
  if (!METRIC_NAME.test(name)) fail('bad metric name');
  const labels: Record<string, string> = {};
  if (text[i] === '{') {
    i++;
    for (;;) {
      if (text[i] === '}') {
        i++;
        break;
      }
      const start = i;
      while (i < text.length && /[a-zA-Z0-9_]/.test(text[i]!)) i++;
      const labelName = text.slice(start, i);
      if (!LABEL_NAME.test(labelName)) fail('bad label name');
      if (labelName in labels) fail(`label ${labelName} twice`);
      if (text[i] !== '=' || text[i + 1] !== '"') fail('expected ="');
      i += 2;
      let value = '';
      for (;;) {
        const c = text[i];
        if (c === undefined) fail('unterminated label value');
        if (c === '"') break;
        if (c === '\\') {
          const next = text[i + 1];
          if (next === '\\') value += '\\';
          else if (next === '"') value += '"';
          else if (next === 'n') value += '\n';
          else fail('bad escape in label value');
          i += 2;
        } else {
          value += c;
          i++;
        }
      }
      i++; // closing quote
      labels[labelName] = value;
      if (text[i] === ',') i++;
      else if (text[i] !== '}') fail('expected , or }');
    }
  }
  const rest = text.slice(i);
  if (!/^[ \t]/.test(rest)) fail('expected a space before the value');
  const fields = rest.trim().split(/[ \t]+/);
  if (fields.length < 1 || fields.length > 2) fail('expected a value and an optional timestamp');
  const sample: PromSample = { name, labels, value: parseValue(fields[0]!, line) };
  if (fields[1] !== undefined) {
    if (!/^-?\d+$/.test(fields[1])) fail('bad timestamp');
    sample.timestampMs = Number(fields[1]);
  }
  return sample;
}

/** The family a sample name belongs to, given the TYPE lines seen. */
function familyOf(name: string, types: Map<string, PromType>): string {
  for (const [suffix, allowed] of [
    ['_bucket', ['histogram']],
    ['_sum', ['histogram', 'summary']],
    ['_count', ['histogram', 'summary']],
  ] as const) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      const type = types.get(base);
      if (type && (allowed as readonly string[]).includes(type)) return base;
    }
  }
  return name;
}

const seriesKey = (s: PromSample): string => `${s.name}${JSON.stringify(Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : 1)))}`;

/** Parse a whole scrape; families by name. Throws PromParseError on anything invalid. */
export function parsePromText(text: string): Map<string, PromFamily> {
  if (text !== '' && !text.endsWith('\n')) throw new PromParseError('the exposition must end with a newline');
  const families = new Map<string, PromFamily>();
  const types = new Map<string, PromType>();
  const series = new Set<string>();
  const closed = new Set<string>();
  let current: string | undefined;
  const enter = (name: string, line: number): PromFamily => {
    if (current !== name) {
      if (closed.has(name)) throw new PromParseError(`line ${line}: family ${name} appears twice (its lines must be together)`);
      if (current !== undefined) closed.add(current);
      current = name;
    }
    let family = families.get(name);
    if (!family) {
      family = { name, help: '', type: 'untyped', samples: [] };
      families.set(name, family);
    }
    return family;
  };
  const lines = text.split('\n');
  lines.pop(); // after the final newline
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(raw);
      if (!m) return; // an ordinary comment
      const [, keyword, name, rest = ''] = m;
      if (!METRIC_NAME.test(name!)) throw new PromParseError(`line ${line}: bad metric name in ${keyword}`);
      const family = enter(name!, line);
      if (keyword === 'HELP') {
        family.help = unescapeHelp(rest, line);
      } else {
        if (family.samples.length > 0) throw new PromParseError(`line ${line}: TYPE after samples of ${name}`);
        if (types.has(name!)) throw new PromParseError(`line ${line}: second TYPE for ${name}`);
        const type = rest.trim() as PromType;
        if (!TYPES.has(type)) throw new PromParseError(`line ${line}: unknown type ${JSON.stringify(rest)}`);
        types.set(name!, type);
        family.type = type;
      }
      return;
    }
    const sample = parseSampleLine(raw.trim(), line);
    const family = enter(familyOf(sample.name, types), line);
    const key = seriesKey(sample);
    if (series.has(key)) throw new PromParseError(`line ${line}: duplicate series ${key}`);
    series.add(key);
    if (family.type === 'histogram' && sample.name.endsWith('_bucket') && sample.labels.le === undefined) {
      throw new PromParseError(`line ${line}: histogram bucket without le`);
    }
    if (family.type === 'counter' && !(sample.value >= 0)) throw new PromParseError(`line ${line}: negative or NaN counter`);
    family.samples.push(sample);
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

export interface PromHistogram {
  /** Upper bound → cumulative count, in ascending order, `Infinity` last. */
  buckets: Map<number, number>;
  count: number;
  sum: number;
}

const withoutLe = (labels: Record<string, string>): string =>
  JSON.stringify(Object.entries(labels).filter(([k]) => k !== 'le').sort(([a], [b]) => (a < b ? -1 : 1)));

/** The histogram of one label set (without `le`) of a family, or undefined. */
export function histogramOf(family: PromFamily | undefined, labels: Record<string, string>): PromHistogram | undefined {
  if (!family) return undefined;
  const want = withoutLe(labels);
  const mine = family.samples.filter((s) => withoutLe(s.labels) === want);
  if (mine.length === 0) return undefined;
  const buckets = new Map<number, number>();
  for (const s of mine.filter((s) => s.name === `${family.name}_bucket`).sort((a, b) => parseValue(a.labels.le!, 0) - parseValue(b.labels.le!, 0))) {
    buckets.set(parseValue(s.labels.le!, 0), s.value);
  }
  const count = mine.find((s) => s.name === `${family.name}_count`)?.value;
  const sum = mine.find((s) => s.name === `${family.name}_sum`)?.value;
  if (count === undefined || sum === undefined) throw new PromParseError(`${family.name}${want}: no _count or _sum`);
  return { buckets, count, sum };
}

/** Buckets cumulative, a +Inf bucket equal to _count: what Prometheus relies on. */
function checkHistogram(family: PromFamily): void {
  const sets = new Set(family.samples.map((s) => withoutLe(s.labels)));
  for (const set of sets) {
    const labels = Object.fromEntries(JSON.parse(set) as [string, string][]);
    const h = histogramOf(family, labels)!;
    let previous = 0;
    for (const [le, n] of h.buckets) {
      if (n < previous) throw new PromParseError(`${family.name}${set}: bucket le=${le} is not cumulative`);
      previous = n;
    }
    if (h.buckets.get(Infinity) !== h.count) throw new PromParseError(`${family.name}${set}: +Inf bucket differs from _count`);
  }
}

/** The value of the sample of `name` whose labels are exactly `labels`; undefined if there is none. */
export function sampleValue(families: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  const family = families.get(familyOf(name, new Map([...families.values()].map((f) => [f.name, f.type]))));
  const want = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
  return family?.samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : 1))) === want)?.value;
}
