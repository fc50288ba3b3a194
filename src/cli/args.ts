import meow from 'meow';
import { parseDuration } from '../config/index.js';
import { HELP } from './help.js';
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

/** Flags that make no sense together: a usage error (exit 3) rather than a silent choice. */
function checkCombinations(f: { once: boolean; json: boolean; demo: boolean; config?: string | undefined; interval?: string | undefined; timeout?: string | undefined; events: boolean; record?: string | undefined; replay?: string | undefined; speed?: string | undefined }): void {
  if (f.replay !== undefined) {
    // A replay's fleet, timing and results all come from the recording.
    if (f.demo) throw new UsageError('--replay cannot be used with --demo (the recording says which fleet it watched)');
    if (f.config !== undefined) throw new UsageError('--replay cannot be used with --config (the recording carries its own config)');
    if (f.interval !== undefined) throw new UsageError('--replay cannot be used with --interval (the recording says when each probe ran)');
    if (f.timeout !== undefined) throw new UsageError('--replay cannot be used with --timeout (nothing is probed in a replay)');
    if (f.record !== undefined) throw new UsageError('--replay cannot be used with --record (nothing is probed in a replay; copy the file instead)');
  } else if (f.speed !== undefined) {
    throw new UsageError('--speed needs --replay FILE');
  }
  if (f.events && (f.once || f.json)) throw new UsageError(`--events cannot be used with ${f.json ? '--json' : '--once'} (--events streams until stopped)`);
}

/**
 * Parse the command line. meow exits 2 on a usage error; our usage errors exit 3
 * (monitoring-plugin convention), so unknown flags and bad values are checked here and thrown.
 */
export function parseArgs(argv: string[]): { options: CliOptions; help: string; version: string } {
  const cli = meow(HELP, {
    importMeta: import.meta,
    argv,
    flags: FLAGS,
    allowUnknownFlags: true,
    autoHelp: false,
    autoVersion: false,
  });
  const known = new Set<string>(['--']);
  for (const [name, spec] of Object.entries(FLAGS)) {
    known.add(name);
    if ('shortFlag' in spec) known.add(spec.shortFlag);
  }
  const unknown = Object.keys(cli.unnormalizedFlags).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    const shown = unknown.map((k) => (k.length === 1 ? `-${k}` : `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`));
    throw new UsageError(`unknown option ${shown.join(', ')} (see --help)`);
  }
  if (cli.input.length > 0) throw new UsageError(`unexpected argument '${cli.input[0]}' (see --help)`);
  const f = cli.flags;
  for (const name of ['config', 'interval', 'timeout', 'record', 'replay', 'speed'] as const) {
    if (f[name] !== undefined && f[name].trim() === '') throw new UsageError(`--${name} needs a value`);
  }
  checkCombinations(f);
  const options: CliOptions = {
    once: f.once || f.json,
    json: f.json,
    demo: f.demo,
    debug: f.debug,
    color: f.color,
    help: f.help,
    version: f.version,
    events: f.events,
  };
  if (f.record !== undefined) options.record = f.record;
  if (f.replay !== undefined) options.replay = f.replay;
  const replaySpeed = speed(f.speed);
  if (replaySpeed !== undefined) options.speed = replaySpeed;
  if (f.config !== undefined) options.config = f.config;
  const intervalMs = duration('interval', f.interval);
  if (intervalMs !== undefined) options.intervalMs = intervalMs;
  const timeoutMs = duration('timeout', f.timeout);
  if (timeoutMs !== undefined) options.timeoutMs = timeoutMs;
  return { options, help: cli.help, version: cli.pkg.version ?? '0.0.0' };
}
