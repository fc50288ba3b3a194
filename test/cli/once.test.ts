import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/run-cli.js';

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'nexus-top-cli-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** A clean environment: no config of the developer's leaks in. */
const env = () => ({ HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, '.state'), NEXUS_TOP_CONFIG: undefined });

interface DemoJson {
  checked_at: string;
  summary: Record<string, number>;
  backends: Array<{
    name: string;
    url: string;
    type: string;
    status: string;
    latency_ms: number | null;
    latency_ema_ms: number | null;
    model_count: number;
    models: string[];
    last_error: null | { kind: string; message: string; at: string };
    last_check_at: string | null;
    consecutive_failures: number;
    consecutive_successes: number;
  }>;
}

describe('nexus-top --demo --once --json', () => {
  it('shows the demo fleet with its scripted statuses and exits 1 (some unhealthy, some healthy)', async () => {
    const run = await runCli(['--demo', '--once', '--json'], { env: env() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout) as DemoJson;
    expect(Number.isNaN(Date.parse(doc.checked_at))).toBe(false);
    const by = Object.fromEntries(doc.backends.map((b) => [b.name, b]));
    expect(by['ollama-gpu1']).toMatchObject({ type: 'ollama', status: 'healthy', model_count: 2, last_error: null });
    expect(by['ollama-gpu1']!.models).toEqual(['deepseek-r1:latest', 'llama3.2:latest']);
    expect(by['vllm-a100']).toMatchObject({ type: 'vllm', status: 'healthy', model_count: 1 });
    expect(by['llamacpp-gpu2']).toMatchObject({ type: 'llamacpp', status: 'loading' });
    expect(by['openai-flaky']).toMatchObject({ type: 'openai', status: 'healthy', model_count: 3 });
    expect(by['lmstudio-slow']).toMatchObject({ type: 'lmstudio', status: 'healthy', model_count: 2 });
    expect(by['lmstudio-slow']!.latency_ms).toBeGreaterThan(500);
    expect(by['exo-behind-proxy']).toMatchObject({ status: 'unhealthy', last_error: { kind: 'http' } });
    expect(by['exo-behind-proxy']!.last_error!.message).toContain('502');
    expect(by['exo-behind-proxy']!.last_error!.message).not.toContain('<');
    expect(by['ollama-gone']).toMatchObject({ status: 'unhealthy', model_count: null, latency_ms: null, last_error: { kind: 'connection' } });
    expect(by['sglang-intermittent']).toMatchObject({ type: 'generic', status: 'healthy', model_count: 1, flapping: false });
    expect(doc.summary).toEqual({ total: 8, healthy: 5, unhealthy: 2, loading: 1, draining: 0, unknown: 0, flapping: 0 });
    for (const b of doc.backends) {
      expect(b.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(Number.isNaN(Date.parse(b.last_check_at!))).toBe(false);
      expect(b.consecutive_failures + b.consecutive_successes).toBeLessThanOrEqual(1);
      // One probe: no status change yet; the window is the default at the demo's interval (60 s).
      expect(b).toMatchObject({ flapping: false, flap_score: 0, flap_changes: 0, flap_window_s: 60 });
    }
  });

  it('prints a plain table without --json', async () => {
    const run = await runCli(['--demo', '--once'], { env: env() });
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    // LOAD joins the table once the demo's load is read (the dead Ollama's: `? (connection)`).
    expect(lines[0]).toMatch(/^NAME\s+TYPE\s+STATUS\s+LATENCY\s+(?:LOAD\s+)?MODELS\s+LAST ERROR$/);
    expect(run.stdout).toMatch(/ollama-gone\s+ollama\s+unhealthy\s+-\s+(?:\? \(connection\)\s+)?-\s+connection: /);
    expect(run.stdout).toMatch(/llamacpp-gpu2\s+llamacpp\s+loading\s.*Loading model/);
    expect(run.stdout).toContain('5/8 healthy, 2 unhealthy, 1 loading');
    expect(run.stdout).not.toContain('\u001b');
  });
});

describe('nexus-top --config nexus.example.toml --once (no backends on this machine)', () => {
  it('exits 2 with a connection error per backend and no stack trace', async () => {
    const run = await runCli(['--config', join(ROOT, 'nexus.example.toml'), '--once', '--json'], { env: env(), timeoutMs: 30_000 });
    expect(run.code).toBe(2);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const doc = JSON.parse(run.stdout) as DemoJson;
    expect(doc.backends.length).toBeGreaterThanOrEqual(5);
    for (const b of doc.backends) expect(b).toMatchObject({ status: 'unhealthy', last_error: { kind: 'connection' } });
  });
});

describe('exit codes from a real server', () => {
  let up: Server;
  let url: string;
  beforeAll(async () => {
    up = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"object":"list","data":[{"id":"m"}]}');
    });
    await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(up.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => up.close(() => r())));

  const writeConfig = (body: string): string => {
    const file = join(home, `c-${Math.random().toString(36).slice(2)}.toml`);
    writeFileSync(file, body);
    return file;
  };

  it('exits 0 when every backend is healthy', async () => {
    const file = writeConfig(`[[backends]]\nname = "a"\nurl = "${url}"\ntype = "vllm"\n`);
    const run = await runCli(['--config', file, '--once'], { env: env() });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^a\s+vllm\s+healthy\s/m);
  });

  it('exits 1 when one is down and one is up, 2 when all are down', async () => {
    const mixed = writeConfig(`[[backends]]\nname = "a"\nurl = "${url}"\n\n[[backends]]\nname = "b"\nurl = "http://127.0.0.1:1"\n`);
    expect((await runCli(['--config', mixed, '--once'], { env: env() })).code).toBe(1);
    const down = writeConfig(`[[backends]]\nname = "b"\nurl = "http://127.0.0.1:1"\n`);
    expect((await runCli(['--config', down, '--once'], { env: env() })).code).toBe(2);
  });

  it('takes the config from $NEXUS_TOP_CONFIG and then ./nexus.toml', async () => {
    const file = writeConfig(`[[backends]]\nname = "from-env"\nurl = "${url}"\n`);
    const viaEnv = await runCli(['--once'], { env: { ...env(), NEXUS_TOP_CONFIG: file } });
    expect(viaEnv.stdout).toContain('from-env');
    const dir = mkdtempSync(join(home, 'cwd-'));
    writeFileSync(join(dir, 'nexus.toml'), `[[backends]]\nname = "from-cwd"\nurl = "${url}"\n`);
    const viaCwd = await runCli(['--once'], { env: env(), cwd: dir });
    expect(viaCwd.stdout).toContain('from-cwd');
  });

  it('behaves as --once when stdout is not a terminal, and says so on stderr', async () => {
    const file = writeConfig(`[[backends]]\nname = "a"\nurl = "${url}"\n`);
    const run = await runCli(['--config', file], { env: env() });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/not a terminal/);
    expect(run.stdout).toMatch(/^a\s+generic\s+healthy/m);
  });

  it('falls back to the demo fleet, saying so, when no config exists anywhere', async () => {
    const dir = mkdtempSync(join(home, 'empty-'));
    const run = await runCli(['--once', '--json'], { env: env(), cwd: dir });
    expect(run.stderr).toMatch(/no nexus\.toml found.*demo fleet/);
    expect((JSON.parse(run.stdout) as DemoJson).backends.map((b) => b.name)).toContain('ollama-gone');
  });

  it('--interval/--timeout flags override the file (a 1 ms timeout times out a slow server)', async () => {
    const slow = createServer((_req, res) => setTimeout(() => res.end('{"data":[]}'), 300));
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const file = writeConfig(`[[backends]]\nname = "slow"\nurl = "http://127.0.0.1:${(slow.address() as AddressInfo).port}"\n`);
    const run = await runCli(['--config', file, '--once', '--json', '--timeout', '100ms'], { env: env() });
    slow.closeAllConnections();
    await new Promise<void>((r) => slow.close(() => r()));
    expect(run.code).toBe(2);
    expect((JSON.parse(run.stdout) as DemoJson).backends[0]!.last_error!.kind).toBe('timeout');
  });
});

describe('usage', () => {
  it('--help lists every flag with its default and exits 0', async () => {
    const run = await runCli(['--help'], { env: env() });
    expect(run.code).toBe(0);
    for (const flag of ['--once', '--json', '--demo', '--config', '--interval', '--timeout', '--help', '--version']) expect(run.stdout).toContain(flag);
    expect(run.stdout).toMatch(/default: .*30s/);
  });

  it('--version prints the package version', async () => {
    const run = await runCli(['--version'], { env: env() });
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    [['--bogus'], /unknown option --bogus/],
    [['--interval', 'soon'], /--interval: 'soon' is not a duration/],
    [['--timeout', '0s'], /--timeout: '0s' is not a duration/],
    [['--config'], /--config needs a value/],
    [['8000'], /"8000": a port alone is not an address \(write HOST:PORT/],
    [['ftp://gpu1:21'], /only http:\/\/ and https:\/\/ addresses can be watched/],
    [['--demo', 'http://gpu1:11434'], /--demo cannot be used with backend URLs/],
    [['--check', '--json'], /--check cannot be used with --json/],
    [['--headless', '--events'], /--headless cannot be used with --events/],
    [['--metrics', '9464', '--once'], /--metrics needs a mode that keeps running/],
    [['--metrics', 'gpu1'], /--metrics "gpu1": expected PORT or HOST:PORT/],
    [['--metrics', '70000'], /port 70000 is out of range/],
  ])('%j is a usage error: one line, exit 3', async (args, message) => {
    const run = await runCli(args, { env: env() });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    // Under --check a monitoring system reads stdout: it says the same as UNKNOWN there.
    expect(run.stdout).toBe(args.includes('--check') ? `NEXUS-TOP UNKNOWN - ${run.stderr.replace(/^nexus-top: /, '')}` : '');
  });
});
