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
} as const;

function duration(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === null) throw new UsageError(`--${flag}: '${value}' is not a duration (try 500ms, 5s or 1m)`);
  return ms;
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
  for (const name of ['config', 'interval', 'timeout'] as const) {
    if (f[name] !== undefined && f[name].trim() === '') throw new UsageError(`--${name} needs a value`);
  }
  const options: CliOptions = {
    once: f.once || f.json,
    json: f.json,
    demo: f.demo,
    debug: f.debug,
    color: f.color,
    help: f.help,
    version: f.version,
  };
  if (f.config !== undefined) options.config = f.config;
  const intervalMs = duration('interval', f.interval);
  if (intervalMs !== undefined) options.intervalMs = intervalMs;
  const timeoutMs = duration('timeout', f.timeout);
  if (timeoutMs !== undefined) options.timeoutMs = timeoutMs;
  return { options, help: cli.help, version: cli.pkg.version ?? '0.0.0' };
}
