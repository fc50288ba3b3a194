import { parseArgs as parseArgv } from 'node:util';
import packageJson from '../../package.json' with { type: 'json' };
import { parseDuration } from '../config/index.js';
import { parseMetricsAddress, type MetricsAddress } from '../metrics/address.js';
import { HELP } from './help.js';
import { parseTarget } from './targets.js';
import { UsageError } from './usage-error.js';

export interface CliOptions {
  config?: string;
  once: boolean;
  json: boolean;
  demo: boolean;
  intervalMs?: number;
  timeoutMs?: number;
  debug: boolean;
  /** false with --no-color. */
  color: boolean;
  help: boolean;
  version: boolean;
  /** --events: NDJSON events on stdout until a signal (or the end of a replay). */
  events: boolean;
  /** --record FILE: record every probe result. */
  record?: string;
  /** --replay FILE: drive the fleet from a recording. */
  replay?: string;
  /** --speed: replay speed (only with --replay); default 1. */
  speed?: number | 'max';
  /** --check: probe once, print one monitoring-plugins line, exit with its code. */
  check: boolean;
  /** --headless: probe until a signal with no output of its own (for --metrics or --record). */
  headless: boolean;
  /** --metrics [HOST:]PORT: serve /metrics in the Prometheus text format. */
  metrics?: MetricsAddress;
  /** Backends named on the command line (`[NAME@][TYPE=]URL`), checked for syntax; resolved with the config. */
  targets: string[];
}

const FLAGS = {
  config: { type: 'string', short: 'c' },
  once: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  demo: { type: 'boolean', default: false },
  interval: { type: 'string' },
  timeout: { type: 'string' },
  debug: { type: 'boolean', default: false },
  color: { type: 'boolean', default: true },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', short: 'v', default: false },
  events: { type: 'boolean', default: false },
  record: { type: 'string' },
  replay: { type: 'string' },
  speed: { type: 'string' },
  check: { type: 'boolean', default: false },
  headless: { type: 'boolean', default: false },
  metrics: { type: 'string' },
} as const;

function duration(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === null) throw new UsageError(`--${flag}: '${value}' is not a duration (try 500ms, 5s or 1m)`);
  return ms;
}

/** `--speed N|max`: N a positive number (1 = as recorded, 10 = ten times faster). */
function speed(value: string | undefined): number | 'max' | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'max') return 'max';
  const n = /^(\d+(\.\d*)?|\.\d+)x?$/.test(v) ? Number.parseFloat(v) : NaN;
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`--speed: '${value}' is not a speed (a positive number such as 1, 10 or 0.5, or max)`);
  return n;
}

interface RawFlags {
  once: boolean;
  json: boolean;
  demo: boolean;
  config?: string | undefined;
  interval?: string | undefined;
  timeout?: string | undefined;
  events: boolean;
  record?: string | undefined;
  replay?: string | undefined;
  speed?: string | undefined;
  check: boolean;
  headless: boolean;
  metrics?: string | undefined;
}

/** Flags that make no sense together: a usage error (exit 3) rather than a silent choice. */
function checkCombinations(f: RawFlags, targets: readonly string[]): void {
  if (f.replay !== undefined) {
    // A replay's fleet, timing and results all come from the recording.
    if (f.demo) throw new UsageError('--replay cannot be used with --demo (the recording says which fleet it watched)');
    if (f.config !== undefined) throw new UsageError('--replay cannot be used with --config (the recording carries its own config)');
    if (f.interval !== undefined) throw new UsageError('--replay cannot be used with --interval (the recording says when each probe ran)');
    if (f.timeout !== undefined) throw new UsageError('--replay cannot be used with --timeout (nothing is probed in a replay)');
    if (f.record !== undefined) throw new UsageError('--replay cannot be used with --record (nothing is probed in a replay; copy the file instead)');
    if (targets.length > 0) throw new UsageError('--replay cannot be used with backend URLs (the recording says which fleet it watched)');
    if (f.headless) throw new UsageError('--replay cannot be used with --headless (nothing is probed in a replay)');
    if (f.metrics !== undefined) throw new UsageError('--replay cannot be used with --metrics (nothing is probed in a replay)');
  } else if (f.speed !== undefined) {
    throw new UsageError('--speed needs --replay FILE');
  }
  if (f.demo && targets.length > 0) throw new UsageError('--demo cannot be used with backend URLs (the demo fleet is its own)');
  if (f.events && (f.once || f.json)) throw new UsageError(`--events cannot be used with ${f.json ? '--json' : '--once'} (--events streams until stopped)`);
  if (f.check) {
    const other = f.json ? '--json' : f.once ? '--once' : f.events ? '--events' : f.headless ? '--headless' : f.metrics !== undefined ? '--metrics' : undefined;
    if (other) throw new UsageError(`--check cannot be used with ${other} (--check probes once and prints one line)`);
  }
  if (f.headless && (f.once || f.json || f.events)) {
    throw new UsageError(`--headless cannot be used with ${f.events ? '--events' : f.json ? '--json' : '--once'} (--headless runs until stopped, printing nothing)`);
  }
  if (f.metrics !== undefined && (f.once || f.json)) {
    throw new UsageError('--metrics needs a mode that keeps running: the dashboard, --events or --headless');
  }
}

type FlagName = keyof typeof FLAGS;
const isFlag = (name: string): name is FlagName => Object.hasOwn(FLAGS, name);

/** What --help prints: the description, then the usage text. */
const HELP_TEXT = `\n  ${packageJson.description}\n\n${HELP.replace(/^\n+|\s+$/g, '')}\n`;

/**
 * Parse the command line with Node's own parser (util.parseArgs: nothing to load; meow, which this
 * replaced, cost ~35 ms of every start). Usage errors exit 3 (monitoring-plugin convention): unknown
 * flags, missing or unexpected values and bad combinations are thrown as UsageError. `--no-FLAG` turns a
 * boolean off (--no-color); numbers stay text (a backend URL is text).
 */
export function parseArgs(argv: string[]): { options: CliOptions; help: string; version: string } {
  const { tokens } = parseArgv({ args: argv, options: FLAGS, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, spec] of Object.entries(FLAGS)) values[name] = 'default' in spec ? spec.default : undefined;
  const unknown: string[] = [];
  const input: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      input.push(token.value);
      continue;
    }
    if (token.kind !== 'option') continue;
    const negated = token.name.startsWith('no-') ? token.name.slice(3) : undefined;
    if (negated !== undefined && isFlag(negated) && FLAGS[negated].type === 'boolean' && token.value === undefined) {
      values[negated] = false;
      continue;
    }
    if (!isFlag(token.name)) {
      unknown.push(token.rawName.startsWith('--') ? `--${token.name}` : token.rawName);
      continue;
    }
    if (FLAGS[token.name].type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`);
      values[token.name] = true;
      continue;
    }
    // `-c=FILE` as `-c FILE` (util.parseArgs keeps the `=` of a short flag).
    const value = token.inlineValue && !token.rawName.startsWith('--') && token.value?.startsWith('=') ? token.value.slice(1) : token.value;
    // `--config --once`: a flag where the value should be is a missing value, not a file named --once.
    if (value === undefined || value.trim() === '' || (!token.inlineValue && /^--?[A-Za-z]/.test(value))) {
      throw new UsageError(`--${token.name} needs a value`);
    }
    values[token.name] = value;
  }
  if (unknown.length > 0) throw new UsageError(`unknown option ${[...new Set(unknown)].join(', ')} (see --help)`);
  const f = values as unknown as RawFlags & { debug: boolean; color: boolean; help: boolean; version: boolean };
  const targets = input;
  checkCombinations(f, targets);
  // Syntax only here; names, types and the merge with a config come with the config (resolve-config).
  for (const t of targets) parseTarget(t);
  const options: CliOptions = {
    once: f.once || f.json,
    json: f.json,
    demo: f.demo,
    debug: f.debug,
    color: f.color,
    help: f.help,
    version: f.version,
    events: f.events,
    check: f.check,
    headless: f.headless,
    targets,
  };
  if (f.metrics !== undefined) options.metrics = parseMetricsAddress(f.metrics);
  if (f.record !== undefined) options.record = f.record;
  if (f.replay !== undefined) options.replay = f.replay;
  const replaySpeed = speed(f.speed);
  if (replaySpeed !== undefined) options.speed = replaySpeed;
  if (f.config !== undefined) options.config = f.config;
  const intervalMs = duration('interval', f.interval);
  if (intervalMs !== undefined) options.intervalMs = intervalMs;
  const timeoutMs = duration('timeout', f.timeout);
  if (timeoutMs !== undefined) options.timeoutMs = timeoutMs;
  return { options, help: HELP_TEXT, version: packageJson.version };
}
