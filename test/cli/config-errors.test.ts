import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/run-cli.js';

const corpus = join(ROOT, 'test', 'configs');
let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'nexus-top-cfg-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));
const env = () => ({ HOME: home, XDG_CONFIG_HOME: join(home, '.config'), NEXUS_TOP_CONFIG: undefined });

/** Each bad config in test/configs states on its first line the one message it must produce. */
const cases = readdirSync(corpus)
  .filter((f) => f.endsWith('.toml'))
  .map((f) => {
    const first = readFileSync(join(corpus, f), 'utf8').split('\n')[0]!;
    const match = /^# expect: (.*)$/.exec(first);
    if (!match) throw new Error(`${f}: first line must be '# expect: <message>'`);
    return [f, match[1]!] as const;
  });

function expectConfigError(run: { code: number | null; stdout: string; stderr: string }, message: string): void {
  expect(run.code).toBe(3);
  expect(run.stdout).toBe('');
  expect(run.stderr).toBe(`nexus-top: ${message}\n`);
}

describe('every config error is one line naming file, key and line, then exit 3 before anything starts', () => {
  it('has a corpus covering the errors the issue lists', () => {
    const names = cases.map(([f]) => f);
    for (const needed of ['syntax-error', 'interval-wrong-type', 'missing-url', 'url-not-http', 'duplicate-names', 'interval-zero', 'timeout-negative', 'threshold-zero', 'unknown-type', 'no-backends']) {
      expect(names).toContain(`${needed}.toml`);
    }
  });

  it.concurrent.each(cases)('%s', async (file, expected) => {
    const path = join(corpus, file);
    const run = await runCli(['--config', path, '--once'], { env: env() });
    expectConfigError(run, expected.replace('<file>', path));
  });

  it('a missing file, given with --config', async () => {
    const path = join(home, 'nope.toml');
    expectConfigError(await runCli(['--config', path, '--once'], { env: env() }), `${path}: file not found`);
  });

  it('a missing file, given with $NEXUS_TOP_CONFIG', async () => {
    const path = join(home, 'nope-env.toml');
    expectConfigError(await runCli(['--once'], { env: { ...env(), NEXUS_TOP_CONFIG: path } }), `${path}: file not found`);
  });

  it('a directory instead of a file', async () => {
    const dir = join(home, 'adir');
    mkdirSync(dir);
    const run = await runCli(['--config', dir, '--once'], { env: env() });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(new RegExp(`^nexus-top: ${dir}: .*director`));
  });

  it('an empty file', async () => {
    const path = join(home, 'empty.toml');
    writeFileSync(path, '');
    const run = await runCli(['--config', path, '--once'], { env: env() });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/no backends configured/);
  });

  it('a URL password never appears in an error', async () => {
    const path = join(home, 'secret.toml');
    writeFileSync(path, '[[backends]]\nname = "a"\nurl = "ftp://admin:s3cr3t-pw@gpu1:21"\n');
    const run = await runCli(['--config', path, '--once'], { env: env() });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^nexus-top: .*secret\.toml:3: backends\[0\] \(a\)\.url: /);
    expect(run.stderr).not.toContain('s3cr3t-pw');
  });
});
