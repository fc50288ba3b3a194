import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, serveWire, type Loopback } from '../helpers/loopback.js';
import { runCli } from '../helpers/run-cli.js';

interface JsonBackend {
  name: string;
  status: string;
  health: string;
}
interface JsonOut {
  summary: Record<string, number>;
  backends: JsonBackend[];
}

let home: string;
let n = 0;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'nexus-top-drain-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** A fresh HOME/XDG_STATE_HOME per test, with `state` (if any) written as the state file. */
function sandbox(state?: string | object): { env: Record<string, string | undefined>; file: string; dir: string } {
  const dir = join(home, `case-${++n}`);
  mkdirSync(dir, { recursive: true });
  const stateHome = join(dir, 'state');
  const file = join(stateHome, 'nexus-top', 'state.json');
  if (state !== undefined) {
    mkdirSync(join(stateHome, 'nexus-top'), { recursive: true });
    writeFileSync(file, typeof state === 'string' ? state : JSON.stringify(state));
  }
  return {
    env: { HOME: join(dir, 'home'), XDG_CONFIG_HOME: join(dir, 'config'), XDG_STATE_HOME: stateHome, NEXUS_TOP_CONFIG: undefined },
    file,
    dir,
  };
}

const drained = (names: string[], at = '2026-11-24T10:00:00.000Z') => ({ drained: Object.fromEntries(names.map((x) => [x, at])) });
const byName = (out: JsonOut): Map<string, JsonBackend> => new Map(out.backends.map((b) => [b.name, b]));

describe('drains remembered in $XDG_STATE_HOME/nexus-top/state.json', () => {
  it('a drained demo backend shows as draining with its real health; the summary counts it', async () => {
    const { env, file } = sandbox({ version: 1, fleets: { demo: drained(['ollama-gone']) } });
    const before = readFileSync(file, 'utf8');
    const run = await runCli(['--demo', '--once', '--json'], { env });
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout) as JsonOut;
    const b = byName(out);
    expect(b.get('ollama-gone')).toMatchObject({ status: 'draining', health: 'unhealthy' });
    expect(b.get('exo-behind-proxy')).toMatchObject({ status: 'unhealthy', health: 'unhealthy' });
    expect(b.get('ollama-gpu1')).toMatchObject({ status: 'healthy', health: 'healthy' });
    expect(out.summary).toMatchObject({ total: 8, draining: 1, unhealthy: 1, loading: 1 });
    // One unhealthy backend is still watched.
    expect(run.code).toBe(1);
    // --once only reads.
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('the table shows it too', async () => {
    const { env } = sandbox({ version: 1, fleets: { demo: drained(['vllm-a100']) } });
    const run = await runCli(['--demo', '--once'], { env });
    expect(run.stdout).toMatch(/^vllm-a100\s+vllm\s+draining\s/m);
    expect(run.stdout).toMatch(/1 draining/);
  });

  it('the exit code ignores drained backends: drain both unhealthy ones and the loading one → 0', async () => {
    const { env } = sandbox({ version: 1, fleets: { demo: drained(['exo-behind-proxy', 'ollama-gone', 'llamacpp-gpu2']) } });
    const run = await runCli(['--demo', '--once', '--json'], { env });
    const out = JSON.parse(run.stdout) as JsonOut;
    expect(byName(out).get('llamacpp-gpu2')).toMatchObject({ status: 'draining', health: 'loading' });
    expect(out.summary).toMatchObject({ draining: 3, unhealthy: 0, loading: 0 });
    expect(run.code).toBe(0);
  });

  it('the default place is ~/.local/state when $XDG_STATE_HOME is unset or relative', async () => {
    const { env, dir } = sandbox();
    const homeState = join(env.HOME!, '.local', 'state', 'nexus-top');
    mkdirSync(homeState, { recursive: true });
    writeFileSync(join(homeState, 'state.json'), JSON.stringify({ version: 1, fleets: { demo: drained(['ollama-gone']) } }));
    for (const xdg of [undefined, 'relative/state']) {
      const run = await runCli(['--demo', '--once', '--json'], { env: { ...env, XDG_STATE_HOME: xdg }, cwd: dir });
      expect(byName(JSON.parse(run.stdout) as JsonOut).get('ollama-gone')?.status).toBe('draining');
    }
  });

  describe('a real config', () => {
    let healthy: Loopback;
    let deadPort: number;
    let configA: string;
    let configB: string;
    let root: string;
    beforeAll(async () => {
      healthy = await serveWire('ollama/api_tags.http');
      deadPort = await closedPort();
      root = join(home, 'configs');
      const toml = `[[backends]]\nname = "up"\nurl = "${healthy.url}"\ntype = "ollama"\n\n[[backends]]\nname = "down"\nurl = "http://127.0.0.1:${deadPort}"\ntype = "ollama"\n`;
      mkdirSync(join(root, 'a'), { recursive: true });
      mkdirSync(join(root, 'b'), { recursive: true });
      configA = join(root, 'a', 'nexus.toml');
      configB = join(root, 'b', 'nexus.toml');
      writeFileSync(configA, toml);
      writeFileSync(configB, toml);
    });
    afterAll(() => healthy.close());

    it('drains are keyed by the absolute config path: only that config sees them', async () => {
      const { env } = sandbox({ version: 1, fleets: { [configA]: drained(['down']), demo: drained(['up']) } });
      // Given relatively: the key is still the absolute path.
      const a = await runCli(['--config', join('a', 'nexus.toml'), '--once', '--json'], { env, cwd: root });
      expect(a.stderr).toBe('');
      const outA = JSON.parse(a.stdout) as JsonOut;
      expect(byName(outA).get('down')).toMatchObject({ status: 'draining', health: 'unhealthy' });
      expect(byName(outA).get('up')).toMatchObject({ status: 'healthy', health: 'healthy' });
      expect(a.code).toBe(0);

      const b = await runCli(['--config', configB, '--once', '--json'], { env });
      const outB = JSON.parse(b.stdout) as JsonOut;
      expect(byName(outB).get('down')).toMatchObject({ status: 'unhealthy', health: 'unhealthy' });
      expect(outB.summary.draining).toBe(0);
      expect(b.code).toBe(1);
    });
  });

  it.each([
    ['bad JSON', '{"version":1,"fleets":{"demo":'],
    ['the wrong shape', '{"version":1,"fleets":{"demo":{"drained":["ollama-gone"]}}}'],
    ['not an object', '"drained"'],
  ])('a corrupt state file (%s): exactly one warning line, output and exit code as without it', async (_label, text) => {
    const { env, file } = sandbox(text);
    const run = await runCli(['--demo', '--once', '--json'], { env });
    const lines = run.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^nexus-top: warning: ignoring corrupt drain state .*state\.json: /);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const out = JSON.parse(run.stdout) as JsonOut;
    expect(out.summary).toMatchObject({ total: 8, draining: 0, unhealthy: 2, loading: 1 });
    expect(run.code).toBe(1);
    // Left for the next drain change to replace; --once does not write.
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('a directory where the state file should be: one warning line, no crash', async () => {
    const { env, file } = sandbox();
    mkdirSync(file, { recursive: true });
    const run = await runCli(['--demo', '--once', '--json'], { env });
    expect(run.stderr).toMatch(/^nexus-top: warning: cannot read drain state .*state\.json: .*\n$/);
    expect((JSON.parse(run.stdout) as JsonOut).summary.total).toBe(8);
    expect(run.code).toBe(1);
  });

  it('no state file: no message, nothing drained, nothing created', async () => {
    const { env, file } = sandbox();
    const run = await runCli(['--demo', '--once', '--json'], { env });
    expect(run.stderr).toBe('');
    expect((JSON.parse(run.stdout) as JsonOut).summary.draining).toBe(0);
    expect(run.code).toBe(1);
    expect(existsSync(file)).toBe(false);
  });
});
