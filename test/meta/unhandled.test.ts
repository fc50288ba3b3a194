/**
 * The test run itself: a rejection nobody handles (or an error nobody catches) fails `vitest run`, even
 * when every test passes. Vitest does so by default; this guards the project's setup (a config added
 * later with `dangerouslyIgnoreUnhandledErrors`, say) by running vitest with this project as its root
 * on a test file written to a temp dir, so the main run never sees that file.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-cli.js';

const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** `vitest run` with the project's root and config, collecting only `body` (globals on: the file is outside the project). */
function vitestOn(body: string): Promise<{ code: number | null; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'nexus-top-meta-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'fixture.test.mjs'), body);
  const env: Record<string, string> = {};
  // A clean environment for the inner run: nothing of this worker's vitest, no colour.
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(VITEST|NODE_OPTIONS$|FORCE_COLOR$|TEST$)/.test(k)) env[k] = v;
  env.NO_COLOR = '1';
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VITEST, 'run', '--root', ROOT, '--dir', dir, '--globals'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const PASSING = `
it('passes', async () => {
  await new Promise((r) => setTimeout(r, 20));
  expect(1 + 1).toBe(2);
});
`;

describe('vitest run', () => {
  it('passes on a passing test (the harness works)', async () => {
    const { code, output } = await vitestOn(PASSING);
    expect(output).toMatch(/Tests\s+1 passed/);
    expect(code, output).toBe(0);
  }, 60_000);

  it('fails on a rejection nobody handles, though the test itself passes', async () => {
    const { code, output } = await vitestOn(`
it('passes, and leaves a rejection nobody handles', async () => {
  void Promise.reject(new Error('left unhandled on purpose'));
  await new Promise((r) => setTimeout(r, 20));
  expect(1 + 1).toBe(2);
});
`);
    expect(output).toMatch(/Tests\s+1 passed/);
    expect(output).toContain('Unhandled Rejection');
    expect(output).toContain('left unhandled on purpose');
    expect(code, output).toBe(1);
  }, 60_000);

  it('fails on an error nobody catches, thrown from a timer', async () => {
    const { code, output } = await vitestOn(`
it('passes, and leaves an error thrown from a timer', async () => {
  setTimeout(() => { throw new Error('thrown from a timer on purpose'); }, 0);
  await new Promise((r) => setTimeout(r, 20));
  expect(1 + 1).toBe(2);
});
`);
    expect(output).toMatch(/Unhandled (Error|Exception)/);
    expect(output).toContain('thrown from a timer on purpose');
    expect(code, output).toBe(1);
  }, 60_000);
});
