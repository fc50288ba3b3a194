import { describe, expect, it } from 'vitest';
import { parseArgs } from './args.js';
import { UsageError } from './usage-error.js';

const options = (...argv: string[]) => parseArgs(argv).options;
const usageError = (...argv: string[]): string => {
  try {
    parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
};

describe('the command line', () => {
  it('gives the defaults with no arguments', () => {
    expect(options()).toMatchObject({ once: false, json: false, demo: false, color: true, debug: false, help: false, version: false, events: false, check: false, headless: false, targets: [] });
  });

  it('takes the load, generation, router and GPU flags', () => {
    expect(options()).toMatchObject({ load: true, gpu: true });
    expect(options('--load-interval', '7s', '--generate=1m', '--router', 'http://127.0.0.1:8000', '--gpu-interval', '500ms')).toMatchObject({
      loadIntervalMs: 7_000,
      generateIntervalMs: 60_000,
      routerUrl: 'http://127.0.0.1:8000',
      gpuIntervalMs: 500,
    });
    expect(options('--no-load', '--no-gpu')).toMatchObject({ load: false, gpu: false });
    expect(usageError('--load-interval', 'soon')).toBe("--load-interval: 'soon' is not a duration (try 500ms, 5s or 1m)");
    expect(usageError('--router', 'ftp://x')).toBe("--router: 'ftp://x' must be an http:// or https:// URL");
    expect(usageError('--gpu-interval', '10ms')).toMatch(/^--gpu-interval: at least 100ms/);
    expect(usageError('--no-gpu', '--gpu-interval', '1s')).toBe('--no-gpu cannot be used with --gpu-interval');
    expect(usageError('--replay', 'x.ndjson', '--generate', '1m')).toMatch(/^--replay cannot be used with --generate/);
    expect(usageError('--no-load=yes')).toBe('--no-load takes no value');
  });

  it('takes values separated, joined with =, and short flags', () => {
    expect(options('--config', 'a.toml').config).toBe('a.toml');
    expect(options('--config=a.toml').config).toBe('a.toml');
    expect(options('-c', 'a.toml').config).toBe('a.toml');
    expect(options('-c=a.toml').config).toBe('a.toml');
    expect(options('--interval', '2s', '--timeout=500ms')).toMatchObject({ intervalMs: 2_000, timeoutMs: 500 });
    expect(options('-h').help).toBe(true);
    expect(options('-v').version).toBe(true);
  });

  it('--json implies --once; --no-color turns colour off', () => {
    expect(options('--json')).toMatchObject({ once: true, json: true });
    expect(options('--no-color').color).toBe(false);
  });

  it('keeps backend URLs as text, numbers included, and takes what follows -- as URLs', () => {
    expect(options('gpu1@http://10.0.0.1:8000', 'http://127.0.0.1:11434').targets).toEqual(['gpu1@http://10.0.0.1:8000', 'http://127.0.0.1:11434']);
    expect(options('--', 'http://h:1').targets).toEqual(['http://h:1']);
  });

  it('names every unknown flag once', () => {
    expect(usageError('--bogus', '-x', '--bogus')).toBe('unknown option --bogus, -x (see --help)');
  });

  it('says when a value is missing, including when a flag stands where it should be', () => {
    expect(usageError('--config')).toBe('--config needs a value');
    expect(usageError('--config', '--once')).toBe('--config needs a value');
    expect(usageError('--record', '')).toBe('--record needs a value');
    // A value that merely starts with a dash is a value (and then judged as one).
    expect(usageError('--replay', 'x', '--speed', '-3')).toMatch(/^--speed: '-3' is not a speed/);
  });

  it('refuses a value given to a flag that takes none', () => {
    expect(usageError('--once=yes')).toBe('--once takes no value');
    expect(usageError('--no-color=1')).toBe('--no-color takes no value');
    expect(usageError('-h=1')).toBe('-h takes no value');
  });

  it('refuses a value flag given twice (meow\'s own check, said as ours)', () => {
    expect(usageError('--config', 'a.toml', '-c', 'b.toml')).toBe('--config can only be given once');
  });

  it('help starts with the description and lists the usage', () => {
    const { help } = parseArgs([]);
    expect(help).toMatch(/^\n {2}A terminal dashboard for a fleet of LLM inference backends/);
    expect(help).toContain('$ nexus-top [options]');
    expect(help.endsWith('\n')).toBe(true);
  });
});
