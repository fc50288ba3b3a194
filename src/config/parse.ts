import { dirname, resolve } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { core } from 'zod/mini';
import { displayUrl } from '../text/redact.js';
import { ConfigError } from './errors.js';
import { indexKeyLines, type KeyLines, type KeyPath } from './key-lines.js';
import { formatKeyPath } from './key-path.js';
import { roundMs } from './duration.js';
import { configSchema, INTEGER_EXPECTED, MAX_SECONDS, topSchema } from './schema.js';
import { MIN_WINDOW_INTERVALS } from '../health/flap.js';
import { parseChecks } from './checks.js';
import { closestKey } from './closest-key.js';
import { programProblem } from './program.js';
import { BACKEND_TYPES, DEFAULT_HEALTH, DEFAULT_TOP, type BackendCheck, type BackendConfig, type Config } from './types.js';

const NO_CHECKS: ReadonlyMap<string, BackendCheck> = new Map();

/** Values from command-line flags; each replaces the file's value. */
export interface ConfigOverrides {
  intervalMs?: number;
  timeoutMs?: number;
  /** --load-interval, --no-load. */
  loadIntervalMs?: number;
  load?: boolean;
  /** --generate DURATION. */
  generateIntervalMs?: number;
  /** --router URL. */
  routerUrl?: string;
  /** --gpu-interval, --no-gpu. */
  gpuIntervalMs?: number;
  gpu?: boolean;
}

/** A router URL must be http(s) with a host; the message says what is wrong with it. */
export function routerUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `'${displayUrl(url)}' is not a URL (expected http://HOST:PORT)`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `'${displayUrl(url)}' must be an http:// or https:// URL`;
  return null;
}

export const DEFAULT_BACKEND = { type: 'generic', priority: 50, tlsVerify: true } as const satisfies Partial<BackendConfig>;

/**
 * nexus.toml text → Config. `file` is used as given, for `source` and in messages.
 * Throws ConfigError (one line naming file, line and key) on the first problem in document order.
 */
export function parseConfig(text: string, file: string, overrides: ConfigOverrides = {}): Config {
  checkOverride('--interval', overrides.intervalMs);
  checkOverride('--timeout', overrides.timeoutMs);

  let raw: unknown;
  try {
    // Integers past 2^53 (valid TOML up to 2^63) come as bigint, so they get a "too large" naming their key.
    raw = parseToml(text, { integersAsBigInt: 'asNeeded' });
  } catch (err) {
    throw syntaxError(err, text, file);
  }
  // Where each key is, for messages: worked out only when there is something to say (most files are fine).
  let keyLinesOfText: KeyLines | undefined;
  const lines = (): KeyLines => (keyLinesOfText ??= indexKeyLines(text));
  const result = configSchema.safeParse(bigintsAsNumbers(raw));
  if (!result.success) throw firstIssue(result.error.issues, raw, lines(), file);
  const data = result.data;

  const backends = data.backends ?? [];
  if (backends.length === 0) {
    if (data.backends === undefined) {
      const why = text.trim() === '' ? 'the file is empty' : 'add a [[backends]] table with a name and url';
      throw new ConfigError(`no backends configured (${why})`, { file });
    }
    throw new ConfigError('no backends configured (the array is empty)', {
      file,
      line: lines().exact(['backends']),
      key: 'backends',
    });
  }

  const firstByName = new Map<string, number>();
  backends.forEach((b, i) => {
    const first = firstByName.get(b.name);
    if (first === undefined) {
      firstByName.set(b.name, i);
      return;
    }
    const firstLine = lines().nearest(['backends', first, 'name'])?.line;
    throw new ConfigError(
      `duplicate backend name ${quote(b.name)}, first used by backends[${first}]` +
        (firstLine === undefined ? '' : ` at line ${firstLine}`),
      { file, line: lines().nearest(['backends', i, 'name'])?.line, key: formatKeyPath(['backends', i, 'name'], () => b.name) },
    );
  });

  const h = data.health_check ?? {};
  const t = data.top ?? {};
  const top = {
    historySize: t.history_size ?? DEFAULT_TOP.historySize,
    flapWindow: t.flap_window ?? DEFAULT_TOP.flapWindow,
    flapLow: t.flap_low ?? DEFAULT_TOP.flapLow,
    flapHigh: t.flap_high ?? DEFAULT_TOP.flapHigh,
  };
  const topError = (key: string, message: string): ConfigError =>
    new ConfigError(message, { file, line: lines().nearest(['top', key])?.line, key: formatKeyPath(['top', key], () => undefined) });
  if (top.flapLow >= top.flapHigh) {
    throw topError(t.flap_low !== undefined ? 'flap_low' : 'flap_high', `flap_low (${top.flapLow}) must be below flap_high (${top.flapHigh})`);
  }
  if (top.flapWindow > top.historySize) {
    throw topError(t.flap_window !== undefined ? 'flap_window' : 'history_size', `flap_window (${top.flapWindow}) must not exceed history_size (${top.historySize})`);
  }
  const intervalMs = overrides.intervalMs ?? secondsToMs(h.interval_seconds) ?? DEFAULT_HEALTH.intervalMs;
  const flapWindowMs = secondsToMs(t.flap_window_seconds) ?? DEFAULT_TOP.flapWindowMs;
  if (flapWindowMs !== null && flapWindowMs < MIN_WINDOW_INTERVALS * intervalMs) {
    const from = overrides.intervalMs !== undefined ? ' from --interval' : '';
    throw topError(
      'flap_window_seconds',
      `must be at least ${MIN_WINDOW_INTERVALS} probe intervals (${(MIN_WINDOW_INTERVALS * intervalMs) / 1000} s with the interval of ${intervalMs / 1000} s${from}), got ${flapWindowMs / 1000}`,
    );
  }
  let checks: ReadonlyMap<string, BackendCheck> = NO_CHECKS;
  if (t.checks !== undefined) {
    // Commands run in the config file's directory, so `./check.sh` beside nexus.toml works from anywhere.
    const parsed = parseChecks({ raw: t.checks, backends: backends.map((b) => b.name), cwd: dirname(resolve(file)), programProblem });
    if (!parsed.ok) {
      const { path, message } = parsed.issue;
      throw new ConfigError(message, { file, line: lines().nearest(path)?.line, key: formatKeyPath(path) });
    }
    checks = parsed.checks;
  }
  const generateModels: Record<string, string> = {};
  for (const [name, model] of Object.entries(t.generate_models ?? {})) {
    if (!firstByName.has(name)) {
      throw new ConfigError(`no backend is named ${quote(name)}`, { file, line: lines().nearest(['top', 'generate_models', name])?.line, key: formatKeyPath(['top', 'generate_models', name]) });
    }
    generateModels[name] = model;
  }
  const routerUrl = overrides.routerUrl ?? t.router_url ?? null;
  if (routerUrl !== null) {
    const problem = routerUrlProblem(routerUrl);
    // --router was checked with the other flags (a usage error); this is the file's.
    if (problem !== null) throw topError('router_url', problem);
  }
  return {
    source: file,
    health: {
      enabled: h.enabled ?? DEFAULT_HEALTH.enabled,
      intervalMs,
      timeoutMs: overrides.timeoutMs ?? secondsToMs(h.timeout_seconds) ?? DEFAULT_HEALTH.timeoutMs,
      failureThreshold: h.failure_threshold ?? DEFAULT_HEALTH.failureThreshold,
      recoveryThreshold: h.recovery_threshold ?? DEFAULT_HEALTH.recoveryThreshold,
    },
    top: {
      fastIntervalMs: secondsToMs(t.fast_interval_seconds) ?? DEFAULT_TOP.fastIntervalMs,
      concurrency: t.concurrency ?? DEFAULT_TOP.concurrency,
      bodyLimitBytes: t.body_limit_bytes ?? DEFAULT_TOP.bodyLimitBytes,
      ...top,
      flapChanges: t.flap_changes ?? DEFAULT_TOP.flapChanges,
      flapWindowMs,
      commandConcurrency: t.command_concurrency ?? DEFAULT_TOP.commandConcurrency,
      load: overrides.load ?? t.load ?? DEFAULT_TOP.load,
      loadIntervalMs: overrides.loadIntervalMs ?? secondsToMs(t.load_interval_seconds) ?? DEFAULT_TOP.loadIntervalMs,
      generateIntervalMs: overrides.generateIntervalMs ?? secondsToMs(t.generate_interval_seconds) ?? DEFAULT_TOP.generateIntervalMs,
      generateModels,
      routerUrl,
      gpu: overrides.gpu ?? t.gpu ?? DEFAULT_TOP.gpu,
      gpuIntervalMs: overrides.gpuIntervalMs ?? secondsToMs(t.gpu_interval_seconds) ?? DEFAULT_TOP.gpuIntervalMs,
    },
    backends: backends.map((b): BackendConfig => {
      const backend: BackendConfig = {
        name: b.name,
        url: b.url,
        type: b.type ?? DEFAULT_BACKEND.type,
        priority: b.priority ?? DEFAULT_BACKEND.priority,
        tlsVerify: b.tls_verify ?? DEFAULT_BACKEND.tlsVerify,
      };
      if (b.api_key_env !== undefined) backend.apiKeyEnv = b.api_key_env;
      if (b.zone !== undefined) backend.zone = b.zone;
      if (b.tier !== undefined) backend.tier = b.tier;
      const check = checks.get(b.name);
      if (check !== undefined) backend.check = check;
      return backend;
    }),
  };
}

/**
 * A copy with bigints as (inexact) numbers, for the schema: every bigint is past 2^53, so the
 * schema's range and safe-integer checks refuse it. Messages show the exact value from `raw`.
 */
function bigintsAsNumbers(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(bigintsAsNumbers);
  if (typeof value === 'object' && value !== null) {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== null && proto !== Object.prototype) return value; // a TOML date
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = bigintsAsNumbers(v);
    return out;
  }
  return value;
}

function secondsToMs(s: number | undefined): number | undefined {
  return s === undefined ? undefined : roundMs(s * 1000);
}

function checkOverride(flag: string, ms: number | undefined): void {
  if (ms === undefined) return;
  if (!Number.isFinite(ms) || ms <= 0) throw new ConfigError(`must be a positive duration (got ${ms} ms)`, { key: flag });
  if (ms > MAX_SECONDS * 1000) throw new ConfigError(`must be at most 1 day (got ${ms} ms)`, { key: flag });
}

function syntaxError(err: unknown, toml: string, file: string): ConfigError {
  const text = err instanceof Error ? err.message : String(err);
  // smol-toml's message is "Invalid TOML document: WHAT\n\n<code excerpt>"; the excerpt could show a secret.
  let what = (text.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '');
  if (!(err instanceof TomlError)) return new ConfigError(`invalid TOML: ${what}`, { file });
  // A quote left open reaches the end of the line, which smol-toml reports as a control character.
  const lineText = toml.split(/\r?\n/)[err.line - 1] ?? '';
  if (/control characters/.test(what) && err.column > lineText.length) what = 'unfinished string (missing closing quote)';
  return new ConfigError(`invalid TOML: ${what}`, { file, line: err.line, column: err.column });
}

/** The issue earliest in the file becomes the error (issues without a line last). */
function firstIssue(issues: readonly core.$ZodIssue[], raw: unknown, keyLines: KeyLines, file: string): ConfigError {
  // An unknown key is placed at its own line (zod reports them all at the table's path).
  const each = issues.flatMap((issue): core.$ZodIssue[] =>
    issue.code === 'unrecognized_keys' ? issue.keys.map((key) => ({ ...issue, keys: [key], path: [...issue.path, key] })) : [issue],
  );
  const located = each.map((issue, order) => ({ issue, order, at: keyLines.nearest(issue.path as KeyPath) }));
  // zod's own safe-integer bound says less than the key's range (`tier` must be at most 5): put it last.
  const safeBound = (issue: core.$ZodIssue): number =>
    (issue.code === 'too_big' && Number(issue.maximum) === Number.MAX_SAFE_INTEGER) ||
    (issue.code === 'too_small' && Number(issue.minimum) === Number.MIN_SAFE_INTEGER)
      ? 1
      : 0;
  located.sort((a, b) => (a.at?.line ?? Infinity) - (b.at?.line ?? Infinity) || safeBound(a.issue) - safeBound(b.issue) || a.order - b.order);
  const { issue, at } = located[0]!;
  const path = issue.path as KeyPath;
  const backendName = (index: number): string | undefined => {
    const name = valueAt(raw, ['backends', index, 'name']);
    return typeof name === 'string' && name.trim() !== '' ? name : undefined;
  };
  return new ConfigError(reasonFor(issue, valueAt(raw, path), path), {
    file,
    line: at?.line,
    key: formatKeyPath(path, backendName),
  });
}

function valueAt(root: unknown, path: KeyPath): unknown {
  let v: unknown = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

/** The "what is wrong" part for one zod issue, in TOML words (table, integer, true or false). */
function reasonFor(issue: core.$ZodIssue, value: unknown, path: KeyPath): string {
  const key = String(path[path.length - 1] ?? '');
  const isSeconds = key.endsWith('_seconds');
  switch (issue.code) {
    case 'invalid_type': {
      if (value === undefined) {
        if (path[0] === 'backends' && path.length === 3) {
          return key === 'url'
            ? 'missing: every backend needs a url (http:// or https://)'
            : `missing: every backend needs a ${key}`;
        }
        return 'missing';
      }
      if (path.length === 1 && path[0] === 'backends' && isTable(value)) {
        return 'must be an array of tables: write [[backends]] (double brackets) for each backend, not [backends]';
      }
      const expected = issue.message === INTEGER_EXPECTED ? 'int' : issue.expected;
      return `expected ${expectedText(expected, isSeconds)}, got ${describe(value)}`;
    }
    case 'too_small': {
      if (issue.origin === 'string') return 'must not be empty';
      const unit = isSeconds ? ' seconds' : '';
      const min = Number(issue.minimum);
      if (min === Number.MIN_SAFE_INTEGER) return `is too small (got ${formatNumber(value)})`;
      return issue.inclusive
        ? `must be at least ${min}${unit} (got ${formatNumber(value)})`
        : `must be greater than ${min}${unit} (got ${formatNumber(value)})`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (max === Number.MAX_SAFE_INTEGER) return `is too large (got ${formatNumber(value)})`;
      const unit = isSeconds ? ` seconds (${max === 86_400 ? '1 day' : `${max / 86_400} days`})` : '';
      return `must be at most ${max}${unit} (got ${formatNumber(value)})`;
    }
    case 'unrecognized_keys': {
      const near = closestKey(key, Object.keys(topSchema.shape));
      return `unknown key${near ? `; did you mean ${near}?` : ` (known: ${Object.keys(topSchema.shape).join(', ')})`}`;
    }
    case 'invalid_value':
      if (key === 'type') return `unknown type ${quote(value)}; valid types: ${BACKEND_TYPES.join(', ')}`;
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')} (got ${quote(value)})`;
    default:
      return issue.message;
  }
}

function expectedText(expected: string, isSeconds: boolean): string {
  switch (expected) {
    case 'number':
      return isSeconds ? 'a number of seconds' : 'a number';
    case 'int':
      return 'an integer';
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a string';
    case 'object':
      return 'a table';
    case 'array':
      return 'an array';
    default:
      return expected;
  }
}

function isTable(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** A value as TOML would call it; strings quoted and cut (they are never URLs here: URLs are checked apart). */
function describe(v: unknown): string {
  if (typeof v === 'string') return `string ${quote(v)}`;
  if (typeof v === 'number') {
    if (Number.isNaN(v) || !Number.isFinite(v)) return formatNumber(v);
    return `${Number.isInteger(v) ? 'integer' : 'float'} ${formatNumber(v)}`;
  }
  if (typeof v === 'boolean') return `boolean ${v}`;
  if (typeof v === 'bigint') return `integer ${v}`;
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  if (isTable(v)) return 'a table';
  return typeof v;
}

function formatNumber(v: unknown): string {
  if (typeof v === 'bigint') return String(v);
  if (typeof v !== 'number') return describe(v);
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v);
}

/** A string value for a message: URL passwords removed, cut to 40 characters, JSON-quoted (so controls are escaped). */
function quote(v: unknown): string {
  if (typeof v !== 'string') return describe(v);
  const shown = withoutPasswords(v);
  return JSON.stringify(shown.length > 40 ? `${shown.slice(0, 39)}…` : shown);
}

/** A value in the wrong place may still be a URL with credentials: `scheme://user:password@` loses the password. */
function withoutPasswords(text: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\/\S*$/i.test(text)) {
    const shown = displayUrl(text);
    if (shown !== '<invalid url>') return shown;
  }
  return text.replace(/(:\/\/[^\s/@:]*):[^\s/@]*@/g, '$1@');
}
