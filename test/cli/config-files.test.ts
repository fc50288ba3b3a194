import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, nobody } from '../helpers/as-nobody.js';
import { CLI, runCli } from '../helpers/run-cli.js';

/**
 * Config files that cannot carry a `# expect:` first line (binary, unreadable, devices): generated
 * here, each must give one line on stderr naming the file, and exit 3 before anything is probed.
 */
let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'nexus-top-cfgfiles-'));
  // Open to every user: the permission test below runs as user nobody.
  chmodSync(home, 0o755);
});
afterAll(() => rmSync(home, { recursive: true, force: true }));
const env = () => ({ HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, '.state'), NEXUS_TOP_CONFIG: undefined });

function expectConfigError(run: { code: number | null; stdout: string; stderr: string }, message: string): void {
  expect(run.code).toBe(3);
  expect(run.stdout).toBe('');
  expect(run.stderr).toBe(`nexus-top: ${message}\n`);
}

describe('config files that are not config files: one line, exit 3', () => {
  it.each([
    ['binary garbage', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x1b, 0x5b, 0x32, 0x4a]), 'is not a text file (it contains NUL bytes)'],
    ['invalid UTF-8', Buffer.from('[[backends]]\nname = "caf\xe9"\n', 'latin1'), 'is not a text file (invalid UTF-8)'],
  ])('%s', async (name, bytes, reason) => {
    const path = join(home, `${name.replace(/\W/g, '-')}.toml`);
    writeFileSync(path, bytes);
    expectConfigError(await runCli(['--config', path, '--once'], { env: env() }), `${path}: ${reason}`);
  });

  it('/dev/zero (too large, not read to the end)', async () => {
    expectConfigError(await runCli(['--config', '/dev/zero', '--once'], { env: env() }), '/dev/zero: is too large for a config file (over 4 MiB)');
  });

  it('a file it may not read (as root: run as user nobody through setpriv)', async (ctx) => {
    const path = join(home, 'secret.toml');
    writeFileSync(path, '[[backends]]\nname = "a"\nurl = "http://127.0.0.1:9"\n');
    chmodSync(path, 0o000);
    if (!isRoot) {
      expectConfigError(await runCli(['--config', path, '--once'], { env: env() }), `${path}: permission denied`);
      return;
    }
    // Root may read it: ask as nobody. Nobody may not reach the checkout (cloned into a private
    // directory, say), so it runs a copy of the built binary from beside the file.
    const asNobody = nobody();
    if (typeof asNobody === 'string') return ctx.skip(`as root, a file's mode can only be checked as another user: ${asNobody}`);
    const cli = join(home, 'dist', 'cli.js');
    cpSync(dirname(CLI), dirname(cli), { recursive: true });
    const run = asNobody.run([process.execPath, cli, '--config', path, '--once'], {
      cwd: home,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, '.state') },
    });
    expectConfigError({ code: run.status, stdout: run.stdout, stderr: run.stderr }, `${path}: permission denied`);
  });
});
