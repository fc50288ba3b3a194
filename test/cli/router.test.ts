/** `--router URL` with --once, --json and --check, against the built binary and real loopback servers. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, serveRoutes, startLoopback, type Loopback } from '../helpers/loopback.js';
import { runCli } from '../helpers/run-cli.js';

let home: string;
let config: string;
const servers: Loopback[] = [];
let router: Loopback;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'nexus-top-router-'));
  const backend = await serveRoutes({ '/v1/models': 'vllm/v1_models.http', '/health': 'vllm/health_ok.http' });
  router = await serveRoutes({ '/v1/stats': 'nexus/v1_stats.http', '/health': 'nexus/health.http' });
  servers.push(backend, router);
  config = join(home, 'nexus.toml');
  // The router knows gpu-node-1 and gpu-node-2; this config names gpu-node-1 and a backend of its own.
  writeFileSync(
    config,
    [
      '[health_check]',
      'timeout_seconds = 1',
      '[top]',
      'load = false',
      '[[backends]]',
      'name = "gpu-node-1"',
      `url = "${backend.url}"`,
      'type = "vllm"',
      '[[backends]]',
      'name = "local"',
      `url = "${backend.url}"`,
      'type = "vllm"',
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(home, { recursive: true, force: true });
});

const env = () => ({ HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, '.state'), NEXUS_TOP_CONFIG: undefined, NO_COLOR: '1' });

interface RouterDoc {
  router: null | {
    url: string;
    at: string | null;
    error: null | { kind: string; message: string };
    health: null | Record<string, unknown>;
    backends: Record<string, { pending: number | null; requests: number | null; average_latency_ms: number | null }>;
  };
  backends: Array<{ name: string; status: string; load: null | { router_pending: number | null; sources: string[] } }>;
}

describe('nexus-top --once --json --router URL', () => {
  it('carries the router view at the top and router_pending per backend named by it', async () => {
    const run = await runCli(['--config', config, '--once', '--json', '--router', router.url], { env: env() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as RouterDoc;
    expect(doc.router).toEqual({
      url: router.url,
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      error: null,
      health: { status: 'degraded', backends_total: 2, backends_healthy: 1, backends_unhealthy: 1, models: 3, uptime_seconds: 86412 },
      backends: {
        'gpu-node-1': { pending: 4, requests: 12001, average_latency_ms: 23.4 },
        'gpu-node-2': { pending: 0, requests: 6233, average_latency_ms: 31 },
      },
    });
    const by = Object.fromEntries(doc.backends.map((b) => [b.name, b]));
    expect(by['gpu-node-1']!.load).toMatchObject({ router_pending: 4, sources: ['router'] });
    expect(by['local']!.load).toBeNull();
  });

  it('has "router": null without one', async () => {
    const run = await runCli(['--config', config, '--once', '--json'], { env: env() });
    expect((JSON.parse(run.stdout) as RouterDoc).router).toBeNull();
  });

  it('says an unreachable router once, and the backends and the exit code are untouched', async () => {
    const port = await closedPort();
    const run = await runCli(['--config', config, '--once', '--json', '--router', `http://127.0.0.1:${port}`], { env: env() });
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as RouterDoc;
    expect(doc.router).toMatchObject({ error: { kind: 'connection', message: 'connection refused' }, health: null, backends: {} });
    for (const b of doc.backends) expect(b).toMatchObject({ status: 'healthy', load: null });
  });

  it('gives up on a hanging router at the probe deadline', async () => {
    const hang = await startLoopback(() => {});
    servers.push(hang);
    const started = Date.now();
    const run = await runCli(['--config', config, '--once', '--json', '--router', hang.url], { env: env() });
    const elapsed = Date.now() - started;
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as RouterDoc).router?.error).toEqual({ kind: 'timeout', message: 'timed out after 1s' });
    // The 1 s deadline, plus the start of a process.
    expect(elapsed).toBeLessThan(4_000);
  });

  it('never shows the password of the router URL', async () => {
    const url = router.url.replace('http://', 'http://ops:hunter2-router@');
    const run = await runCli(['--config', config, '--once', '--json', '--router', url], { env: env() });
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).not.toContain('hunter2-router');
    expect((JSON.parse(run.stdout) as RouterDoc).router?.url).toBe(router.url.replace('http://', 'http://ops@'));
  });
});

describe('nexus-top --once --router URL (the table)', () => {
  it('puts one router line under the table', async () => {
    const run = await runCli(['--config', config, '--once', '--router', router.url], { env: env() });
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.at(-2)).toBe('2/2 healthy');
    expect(lines.at(-1)).toBe(`router ${router.url}: degraded, 1/2 healthy, 3 models, 4 pending, not in this config: gpu-node-2`);
  });

  it('says unreachable on that line', async () => {
    const port = await closedPort();
    const run = await runCli(['--config', config, '--once', '--router', `http://127.0.0.1:${port}`], { env: env() });
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(`router http://127.0.0.1:${port}: unreachable (connection: connection refused)`);
  });
});

describe('nexus-top --check --router URL', () => {
  it('reads the router beside the probes and keeps the plugin verdict of the backends', async () => {
    const port = await closedPort();
    const run = await runCli(['--config', config, '--check', '--router', `http://127.0.0.1:${port}`], { env: env() });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^NEXUS-TOP OK/);
  });
});
