import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { CLI } from '../helpers/run-cli.js';

/**
 * dist/cli.js runs the bundle through the code cache the build made (src/cli-loader.cjs): a start
 * compiles less. The cache must be accepted by the Node that built it (else the gain is silently
 * lost), and a missing or foreign cache must change nothing but the speed.
 */
const scratch = mkdtempSync(join(tmpdir(), 'nexus-top-code-cache-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch, XDG_STATE_HOME: join(scratch, 'state'), XDG_CONFIG_HOME: join(scratch, 'config') };
const version = `${packageJson.version}\n`;

function run(cli: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: scratch, env: { ...env, NEXUS_TOP_CODE_CACHE: 'report' }, timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the code cache', () => {
  it('is used by the Node that built it', () => {
    expect(run(CLI, '--version')).toEqual({ code: 0, stdout: version, stderr: 'code cache: used\n' });
  });

  it("missing or not V8's: the same answers, compiled from source", () => {
    // A copy of dist/ beside the package's fixtures (the demo fleet's answers), as in the checkout.
    cpSync(join(dirname(CLI), '..', 'fixtures'), join(scratch, 'fixtures'), { recursive: true });
    const dist = join(scratch, 'dist');
    cpSync(dirname(CLI), dist, { recursive: true });
    const cli = join(dist, 'cli.js');
    writeFileSync(join(dist, 'main.js.cache'), 'not a code cache');
    expect(run(cli, '--version')).toEqual({ code: 0, stdout: version, stderr: 'code cache: rejected\n' });
    rmSync(join(dist, 'main.js.cache'));
    expect(run(cli, '--version')).toEqual({ code: 0, stdout: version, stderr: 'code cache: none\n' });
    const once = run(cli, '--demo', '--once', '--json');
    expect(once.stderr).toBe('code cache: none\n');
    expect(JSON.parse(once.stdout)).toMatchObject({ summary: { total: 8 } });
  });
});
