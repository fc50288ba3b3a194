/**
 * End to end, the built binary against loopback backends: `--check` (monitoring-plugins line and exit
 * codes) and `--metrics` (a Prometheus scrape, parsed strictly, following the fleet) with `--headless`
 * and `--events`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closedPort } from '../helpers/loopback.js';
import { parsePromText, sampleValue } from '../helpers/prom-text.js';
import { cliSandbox } from '../helpers/cli-sandbox.js';
import { CLI, runCli } from '../helpers/run-cli.js';

const box = cliSandbox('ecosystem');
const { dir, ollama } = box;
const env = box.env;

let configs = 0;
function config(backends: Array<{ name: string; url: string }>, health = 'interval_seconds = 30'): string {
  const file = join(dir, `fleet-${++configs}.toml`);
  const tables = backends.map((b) => `[[backends]]\nname = "${b.name}"\nurl = "${b.url}"\ntype = "ollama"\n`).join('\n');
  writeFileSync(file, `[health_check]\n${health}\n\n${tables}`);
  return file;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('--check', () => {
  it('OK, exit 0, when every backend is healthy, with perfdata per backend', async () => {
    const a = await ollama();
    const run = await runCli(['--check', '--config', config([{ name: 'gpu1', url: a.url }, { name: 'gpu 2', url: a.url }])], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^NEXUS-TOP OK - 2\/2 healthy \| healthy=2;;;0;2 unhealthy=0;;;0;2 .*latency_gpu1=[\d.]+s;;;0;5 'latency_gpu 2'=[\d.]+s;;;0;5\n$/);
    expect(run.stdout.split('\n')).toHaveLength(2);
  });

  it('WARNING, exit 1, naming the unhealthy backend and why', async () => {
    const a = await ollama();
    const run = await runCli(['--check', '--config', config([{ name: 'gpu1', url: a.url }, { name: 'gpu3', url: `http://127.0.0.1:${await closedPort()}` }])], { env });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^NEXUS-TOP WARNING - 1\/2 healthy, 1 unhealthy \(gpu3: connection\) \| .*unhealthy=1;;;0;2 .*latency_gpu3=U;;;0;5\n$/);
  });

  it('CRITICAL, exit 2, when none is healthy', async () => {
    const run = await runCli(['--check', '--config', config([{ name: 'gpu3', url: `http://127.0.0.1:${await closedPort()}` }])], { env });
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^NEXUS-TOP CRITICAL - 0\/1 healthy, 1 unhealthy \(gpu3: connection\) \|/);
  });

  it('UNKNOWN, exit 3, on stdout too, for a config error', async () => {
    const run = await runCli(['--check', '--config', join(dir, 'missing.toml')], { env });
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/^NEXUS-TOP UNKNOWN - .*missing\.toml: file not found\n$/);
  });
});

/** Start the binary; resolves once the line matching `ready` was written to stderr or stdout. */
function start(args: string[]): { child: ChildProcess; exit: Promise<number | null>; stdout: () => string; stderr: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env, NEXUS_TOP_CONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  box.track(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exit, stdout: () => out, stderr: () => err };
}

async function scrape(port: number): Promise<ReturnType<typeof parsePromText>> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePromText(await res.text());
}

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let error: unknown;
  while (Date.now() < deadline) {
    try {
      last = await get();
      if (ok(last)) return last;
    } catch (err) {
      error = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)} ${String(error ?? '')}`);
}

describe('--metrics', () => {
  it('--headless --metrics PORT: the scrape follows the fleet; SIGINT exits 0', async () => {
    const a = await ollama();
    const b = await ollama();
    const port = await freePort();
    const file = config([{ name: 'gpu1', url: a.url }, { name: 'gpu2', url: b.url }], 'interval_seconds = 0.2\nfailure_threshold = 2\nrecovery_threshold = 1');
    const p = start(['--headless', '--metrics', String(port), '--config', file]);
    const up = (name: string) => async () => sampleValue(await scrape(port), 'nexus_top_backend_up', { backend: name, type: 'ollama' });
    await until('gpu1 up', up('gpu1'), (v) => v === 1);
    await until('gpu2 up', up('gpu2'), (v) => v === 1);
    const families = await scrape(port);
    expect(sampleValue(families, 'nexus_top_backend_status', { backend: 'gpu1', status: 'healthy' })).toBe(1);
    expect(sampleValue(families, 'nexus_top_backend_status', { backend: 'gpu1', status: 'unhealthy' })).toBe(0);
    expect(sampleValue(families, 'nexus_top_backend_models', { backend: 'gpu1' })).toBeGreaterThan(0);
    expect(sampleValue(families, 'nexus_top_probe_duration_seconds_count', { backend: 'gpu1' })).toBeGreaterThan(0);
    expect(families.has('process_resident_memory_bytes')).toBe(true);
    // gpu2 dies: down after failure_threshold probes, its connection failures counted.
    await b.close();
    await until('gpu2 down', up('gpu2'), (v) => v === 0);
    const after = await scrape(port);
    expect(sampleValue(after, 'nexus_top_probe_failures_total', { backend: 'gpu2', kind: 'connection' })).toBeGreaterThanOrEqual(2);
    expect(sampleValue(after, 'nexus_top_backend_up', { backend: 'gpu1', type: 'ollama' })).toBe(1);
    p.child.kill('SIGINT');
    expect(await p.exit).toBe(0);
    expect(p.stdout()).toBe('');
  });

  it('beside --events, and a port in use is an error before anything starts (exit 3)', async () => {
    const a = await ollama();
    const port = await freePort();
    const file = config([{ name: 'gpu1', url: a.url }], 'interval_seconds = 0.2');
    const p = start(['--events', '--metrics', `127.0.0.1:${port}`, '--config', file]);
    await until('gpu1 up', async () => sampleValue(await scrape(port), 'nexus_top_backend_up', { backend: 'gpu1', type: 'ollama' }), (v) => v === 1);
    await until('a status event', async () => p.stdout(), (s) => s.includes('"type":"status"'));
    const clash = await runCli(['--headless', '--metrics', String(port), '--config', file], { env });
    expect(clash.code).toBe(3);
    expect(clash.stderr).toMatch(/--metrics 127\.0\.0\.1:\d+: address in use/);
    expect(clash.stderr.trim().split('\n')).toHaveLength(1);
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
  });
});
