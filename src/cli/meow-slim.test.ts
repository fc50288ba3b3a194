import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import camelcase from 'camelcase';
import decamelize from 'decamelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain JS build helpers, no types
import { camelcase as fastCamelcase, decamelize as fastDecamelize } from '../meow-case.mjs';
// @ts-expect-error: plain JS build helpers, no types
import { slimMeow } from '../meow-slim.mjs';

/**
 * The bundle's meow (src/meow-slim.mjs: its dependencies without read-package-up and
 * normalize-package-data, camelcase/decamelize with a fast path) must parse exactly as meow itself.
 * The command-line parser is bundled both ways, as src/bundle.mjs bundles it, and every command line
 * below must give the same options, help and version, or the same usage error.
 */
type Parse = (argv: string[]) => unknown;
let dir: string;
let slim: Parse;
let full: Parse;

async function bundled(name: string, plugins: unknown[]): Promise<Parse> {
  const outfile = join(dir, `${name}.cjs`);
  await build({
    entryPoints: [fileURLToPath(new URL('./args.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile,
    define: { 'import.meta.url': '__url' },
    banner: { js: "const __url=require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'silent',
    plugins: plugins as never,
  });
  const { parseArgs } = createRequire(import.meta.url)(outfile) as { parseArgs: Parse };
  return (argv) => {
    try {
      return parseArgs(argv);
    } catch (error) {
      return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nexus-top-meow-'));
  [slim, full] = await Promise.all([bundled('slim', [slimMeow]), bundled('full', [])]);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const COMMAND_LINES = [
  [],
  ['--help'],
  ['-h'],
  ['--version', '-v'],
  ['--once', '--json', '--config', 'a.toml'],
  ['-c=a.toml', '--once'],
  ['-c', 'a.toml', '--interval=2s', '--timeout', '500ms'],
  ['--no-color', '--debug', '--demo', '--once'],
  ['--events', '--record', 'r.ndjson', 'http://127.0.0.1:11434', 'vllm=gpu2:8000', 'big@http://gpu3:8080'],
  ['--replay', 'r.ndjson', '--speed', 'max', '--once'],
  ['--replay', 'r.ndjson', '--speed', '-3'],
  ['--check', '--config', '/etc/nexus/nexus.toml'],
  ['--headless', '--metrics', '127.0.0.1:9464'],
  ['--', 'http://h:1'],
  ['--bogus', '-x', '--bogus'],
  ['--bogus-flag', '--otherFlag', '-xyz'],
  ['--config'],
  ['--config', '--once'],
  ['--config', 'a', '--config', 'b'],
  ['--once=yes'],
  ['--no-once', '--json'],
  ['--once', 'true'],
  ['--metrics', '9464', '--events'],
  ['8000'],
  ['--interval', 'x'],
  ['--INTERVAL', '5s'],
  ['--help', '--bogus'],
  ['-ch'],
  ['--ünïcode', 'é@http://h:1'],
];

describe('meow in the bundle', () => {
  it.each(COMMAND_LINES.map((argv) => [argv.join(' ') || '(nothing)', argv]))('parses %s as meow itself does', (_, argv) => {
    const expected = full(argv as string[]);
    expect(slim(argv as string[])).toEqual(expected);
  });

  it('answers --help with the help text README documents', () => {
    expect(slim(['--help'])).toMatchObject({ options: { help: true } });
    expect((slim([]) as { help: string }).help).toMatch(/^\n {2}A terminal dashboard for a fleet of LLM inference backends.*\n\n {2}Usage\n {4}\$ nexus-top \[options\]/s);
  });
});

describe("meow's camelcase and decamelize with their fast path (src/meow-case.mjs)", () => {
  const KEYS = ['config', 'once', 'no-color', 'c', '', '_', '--', 'bogus-flag', 'bogusFlag', 'otherFlag', 'b2b', 'x1', 'a_b', 'FOO', 'Config', 'URLValue', 'ünïcode', 'éA', 'ÄÖÜ', 'foo bar', '-x', 'ǅungla', 'a$b'];
  it.each(KEYS)('camelcase(%j) as the package answers', (key) => {
    expect(fastCamelcase(key, { locale: false })).toBe(camelcase(key, { locale: false }));
    expect(fastCamelcase(key, { pascalCase: true })).toBe(camelcase(key, { pascalCase: true }));
  });
  it.each(KEYS)('decamelize(%j) as the package answers', (key) => {
    expect(fastDecamelize(key, { separator: '-' })).toBe(decamelize(key, { separator: '-' }));
    expect(fastDecamelize(key)).toBe(decamelize(key));
    expect(fastDecamelize(key, { separator: '-', preserveConsecutiveUppercase: true })).toBe(decamelize(key, { separator: '-', preserveConsecutiveUppercase: true }));
  });
});
