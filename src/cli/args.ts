import meow from 'meow';
import packageJson from '../../package.json' with { type: 'json' };
import { parseDuration } from '../config/index.js';
import { routerUrlProblem } from '../config/parse.js';
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
  /** --load-interval, --no-load, --generate, --router, --gpu-interval, --no-gpu. */
  loadIntervalMs?: number;
  load: boolean;
  generateIntervalMs?: number;
  routerUrl?: string;
  gpuIntervalMs?: number;
  gpu: boolean;
  /** Backends named on the command line (`[NAME@][TYPE=]URL`), checked for syntax; resolved with the config. */
  targets: string[];
}

const FLAGS = {
  config: { type: 'string', shortFlag: 'c' },
  once: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  demo: { type: 'boolean', default: false },
  interval: { type: 'string' },
  timeout: { type: 'string' },
  debug: { type: 'boolean', default: false },
  color: { type: 'boolean', default: true },
  help: { type: 'boolean', shortFlag: 'h', default: false },
  version: { type: 'boolean', shortFlag: 'v', default: false },
  events: { type: 'boolean', default: false },
  record: { type: 'string' },
  replay: { type: 'string' },
  speed: { type: 'string' },
  check: { type: 'boolean', default: false },
  headless: { type: 'boolean', default: false },
  metrics: { type: 'string' },
  loadInterval: { type: 'string' },
  load: { type: 'boolean', default: true },
  generate: { type: 'string' },
  router: { type: 'string' },
  gpuInterval: { type: 'string' },
  gpu: { type: 'boolean', default: true },
} as const;

const dashed = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

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
  loadInterval?: string | undefined;
  load: boolean;
  generate?: string | undefined;
  router?: string | undefined;
  gpuInterval?: string | undefined;
  gpu: boolean;
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
    const asking = f.loadInterval !== undefined ? '--load-interval' : !f.load ? '--no-load' : f.generate !== undefined ? '--generate' : f.router !== undefined ? '--router' : f.gpuInterval !== undefined ? '--gpu-interval' : !f.gpu ? '--no-gpu' : undefined;
    if (asking) throw new UsageError(`--replay cannot be used with ${asking} (a replay shows what was recorded and asks nothing)`);
  } else if (f.speed !== undefined) {
    throw new UsageError('--speed needs --replay FILE');
  }
  if (!f.load && f.loadInterval !== undefined) throw new UsageError('--no-load cannot be used with --load-interval');
  if (!f.gpu && f.gpuInterval !== undefined) throw new UsageError('--no-gpu cannot be used with --gpu-interval');
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
const isBoolean = (name: string): boolean => isFlag(name) && FLAGS[name].type === 'boolean';
/** -h, -v. */
const BOOLEAN_SHORT = new Set<string>(Object.values(FLAGS).flatMap((spec) => ('shortFlag' in spec && spec.type === 'boolean' ? [spec.shortFlag] : [])));

/** What meow keeps apart from the flags' own names: its short flags, and `--` (what follows it). */
const KNOWN = new Set<string>(['--', ...Object.keys(FLAGS), ...Object.values(FLAGS).flatMap((spec) => ('shortFlag' in spec ? [spec.shortFlag] : []))]);

/**
 * What meow (yargs-parser) lets through that we refuse: a value given to a boolean (`--once=yes`; meow
 * would read `--once=false` as false, and anything else as a value), and `--config --once`, where meow
 * takes `--once` as a flag and leaves --config empty (reported below as a missing value).
 */
function checkTokens(argv: readonly string[]): void {
  for (const arg of argv) {
    if (arg === '--') return;
    const long = /^--([^=]+)=/.exec(arg);
    if (long && (isBoolean(long[1]!) || (long[1]!.startsWith('no-') && isBoolean(long[1]!.slice(3))))) throw new UsageError(`--${long[1]} takes no value`);
    const short = /^-([A-Za-z])=/.exec(arg);
    if (short && BOOLEAN_SHORT.has(short[1]!)) throw new UsageError(`-${short[1]} takes no value`);
  }
}

/** The flags meow saw that are not ours, as typed (`--bogus`, `-x`), each once. */
function unknownFlags(unnormalized: Record<string, unknown>): string[] {
  // meow gives `--bogus-flag` both as bogus-flag and bogusFlag: the dashed one is how it was typed.
  const names = Object.keys(unnormalized).filter((k) => !KNOWN.has(k) && !(k !== k.toLowerCase() && Object.hasOwn(unnormalized, k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))));
  return names.map((k) => (k.length === 1 ? `-${k}` : `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`));
}

/**
 * Parse the command line with meow: its flags (short ones, `-c=FILE`, `--no-color`), input and help
 * text. Our usage errors exit 3 (monitoring-plugin convention) where meow's exit 2, so meow is asked
 * to let unknown flags through (and not to print help or version itself), and every usage error,
 * meow's own included (a flag given twice), is thrown here as a UsageError: one line, exit 3.
 */
export function parseArgs(argv: string[]): { options: CliOptions; help: string; version: string } {
  checkTokens(argv);
  let cli;
  try {
    cli = meow(HELP, {
      // dist/cli.js is CommonJS: import.meta.url is defined by the bundle (src/bundle.mjs), import.meta is not.
      importMeta: { url: import.meta.url } as ImportMeta,
      // Given, so that meow neither looks for package.json nor normalizes it (see src/bundle.mjs).
      pkg: { name: packageJson.name, version: packageJson.version, description: packageJson.description, bin: packageJson.bin },
      argv,
      flags: FLAGS,
      allowUnknownFlags: true,
      autoHelp: false,
      autoVersion: false,
    });
  } catch (error) {
    // `--config a --config b`: "The flag --config can only be set once."
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(message.replace(/^The flag (\S+) can only be set once\.$/, '$1 can only be given once'));
  }
  const unknown = unknownFlags(cli.unnormalizedFlags);
  if (unknown.length > 0) throw new UsageError(`unknown option ${unknown.join(', ')} (see --help)`);
  const f = cli.flags;
  // `--config` last, `--config --once`, `--record ''`: meow gives an empty string.
  for (const name of ['config', 'interval', 'timeout', 'record', 'replay', 'speed', 'metrics', 'loadInterval', 'generate', 'router', 'gpuInterval'] as const) {
    if (f[name] !== undefined && f[name].trim() === '') throw new UsageError(`--${dashed(name)} needs a value`);
  }
  // meow is told that input is text: a backend URL (or a number) stays as typed.
  const targets = cli.input.map(String);
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
    load: f.load,
    gpu: f.gpu,
    targets,
  };
  const loadIntervalMs = duration('load-interval', f.loadInterval);
  if (loadIntervalMs !== undefined) options.loadIntervalMs = loadIntervalMs;
  const generateIntervalMs = duration('generate', f.generate);
  if (generateIntervalMs !== undefined) options.generateIntervalMs = generateIntervalMs;
  const gpuIntervalMs = duration('gpu-interval', f.gpuInterval);
  if (gpuIntervalMs !== undefined) {
    if (gpuIntervalMs < 100) throw new UsageError(`--gpu-interval: at least 100ms (a GPU tool takes tens of ms to run), got '${f.gpuInterval}'`);
    options.gpuIntervalMs = gpuIntervalMs;
  }
  if (f.router !== undefined) {
    const problem = routerUrlProblem(f.router);
    if (problem !== null) throw new UsageError(`--router: ${problem}`);
    options.routerUrl = f.router;
  }
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
  return { options, help: cli.help, version: packageJson.version };
}
