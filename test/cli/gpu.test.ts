/**
 * The GPUs end to end (issue 16), the built binary against a stand-in `nvidia-smi` first on PATH and a real
 * backend process of the test's on 127.0.0.1: the mapping of GPU processes to that backend (the listening
 * process and its child), a tool that hangs, one that exits 9, none at all; --json, --once, --metrics.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliSandbox } from '../helpers/cli-sandbox.js';
import { alive, FORMAT, listenerWithChild, QUERY_APPS, QUERY_GPU, stopListener, UUID0, UUID1, writeStandIn, type Listener, type StandIn } from '../helpers/gpu-stand-in.js';
import { parsePromText, sampleValue } from '../helpers/prom-text.js';
import { CLI, runCli } from '../helpers/run-cli.js';

const box = cliSandbox('gpu');
const listeners: Listener[] = [];
afterAll(() => listeners.splice(0).forEach(stopListener));

let dirs = 0;
/** A fresh dir holding the stand-in; the PATH to run with (the stand-in first, then the system's for `sleep`). */
function withStandIn(standIn: StandIn): { path: string; dir: string; calls: () => string[] } {
  const dir = writeStandIn(join(box.dir, `bin-${++dirs}`), standIn);
  return { dir, path: `${dir}:/usr/bin:/bin`, calls: () => (existsSync(join(dir, 'calls')) ? readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n') : []) };
}

/** No GPU tool on PATH at all: a dir of nothing. */
function noTool(): string {
  const dir = join(box.dir, `empty-${++dirs}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function config(backends: Array<{ name: string; url: string }>, extra = ''): string {
  const file = join(box.dir, `fleet-${++dirs}.toml`);
  const tables = backends.map((b) => `[[backends]]\nname = "${b.name}"\nurl = "${b.url}"\ntype = "ollama"\n`).join('\n');
  writeFileSync(file, `${extra}[health_check]\ninterval_seconds = 0.3\ntimeout_seconds = 1\n\n${tables}`);
  return file;
}

async function backend(): Promise<Listener> {
  const l = await listenerWithChild();
  listeners.push(l);
  return l;
}

interface GpuJson {
  index: number;
  uuid: string | null;
  name: string | null;
  vendor: string;
  utilization: number | null;
  memory_used_bytes: number | null;
  memory_total_bytes: number | null;
  temperature_c: number | null;
  power_w: number | null;
  power_limit_w: number | null;
  processes: Array<{ pid: number; name: string; memory_bytes: number | null; backend: string | null }>;
}
interface Doc {
  backends: Array<{ name: string; status: string; gpu_memory_bytes: number | null }>;
  gpus: GpuJson[] | null;
  gpu_error: { kind: string; message: string } | null;
}

const MIB = 1024 * 1024;

describe('--json with a stand-in nvidia-smi on PATH', () => {
  it('reads the GPUs with the exact queries; the backend’s listening process and its child are that backend’s, a stray is nobody’s', async () => {
    const l = await backend();
    const tool = withStandIn({
      kind: 'answers',
      processes: [
        { pid: l.server, name: '/opt/venv/bin/python3 -m vllm.entrypoints.openai.api_server, --port 8000', mib: 70112 },
        { pid: l.worker, name: 'VLLM::EngineCore', mib: 1024 },
        { pid: process.pid, name: 'leftover', mib: 512, uuid: UUID1 },
      ],
    });
    const run = await runCli(['--json', '--config', config([{ name: 'vllm-local', url: l.url }, { name: 'elsewhere', url: 'http://127.0.0.2:9' }])], { env: { ...box.env, PATH: tool.path } });
    expect(run.stderr).toBe('');
    const doc = JSON.parse(run.stdout) as Doc;
    expect(tool.calls()).toEqual([`${QUERY_GPU} ${FORMAT}`, `${QUERY_APPS} ${FORMAT}`]);
    expect(doc.gpu_error).toBeNull();
    expect(doc.gpus).toHaveLength(2);
    const [h100, gtx] = doc.gpus!;
    expect(h100).toMatchObject({ index: 0, uuid: UUID0, name: 'NVIDIA H100 80GB HBM3', vendor: 'nvidia', utilization: 0.87, memory_used_bytes: 71234 * MIB, memory_total_bytes: 81559 * MIB, temperature_c: 64, power_w: 512.37, power_limit_w: 700 });
    expect(h100!.processes).toEqual([
      { pid: l.server, name: '/opt/venv/bin/python3 -m vllm.entrypoints.openai.api_server, --port 8000', memory_bytes: 70112 * MIB, backend: 'vllm-local' },
      { pid: l.worker, name: 'VLLM::EngineCore', memory_bytes: 1024 * MIB, backend: 'vllm-local' },
    ]);
    // [Not Supported] and [N/A] are unknown (null), not 0.
    expect(gtx).toMatchObject({ index: 1, utilization: null, power_w: null, power_limit_w: null, temperature_c: 52 });
    expect(gtx!.processes).toEqual([{ pid: process.pid, name: 'leftover', memory_bytes: 512 * MIB, backend: null }]);
    const by = Object.fromEntries(doc.backends.map((b) => [b.name, b]));
    expect(by['vllm-local']).toMatchObject({ status: 'healthy', gpu_memory_bytes: (70112 + 1024) * MIB });
    expect(by['elsewhere']!.gpu_memory_bytes).toBeNull();
  });

  it('--once: the GPU MEM column and the GPU section, the stray said as having no backend', async () => {
    const l = await backend();
    const tool = withStandIn({ kind: 'answers', processes: [{ pid: l.worker, name: 'VLLM::EngineCore', mib: 2048 }, { pid: process.pid, name: 'leftover', mib: 512 }] });
    const run = await runCli(['--once', '--config', config([{ name: 'vllm-local', url: l.url }])], { env: { ...box.env, PATH: tool.path } });
    expect(run.code).toBe(0);
    const header = run.stdout.split('\n')[0]!;
    expect(header).toContain('GPU MEM');
    expect(run.stdout).toMatch(/vllm-local .* 2\.0G/);
    expect(run.stdout).toContain('NVIDIA H100 80GB HBM3');
    // The test's own process listens on no backend's port; as non-root, an ancestor of it may be root's (unreadable).
    expect(run.stdout).toMatch(/leftover +512M +no backend \((it listens on no configured backend’s port|its process could not be read .*)\)/);
    expect(run.stdout).toMatch(/VLLM::EngineCore +2\.0G +vllm-local/);
  });

  it('a tool that hangs is killed at the deadline (its child too) and said in gpu_error; the probes are not held up', async () => {
    const l = await backend();
    const pidFile = join(box.dir, `hang-${++dirs}.pid`);
    const tool = withStandIn({ kind: 'hangs', pidFile });
    const started = Date.now();
    const run = await runCli(['--json', '--timeout', '1s', '--config', config([{ name: 'vllm-local', url: l.url }])], { env: { ...box.env, PATH: tool.path } });
    const took = Date.now() - started;
    const doc = JSON.parse(run.stdout) as Doc;
    expect(doc.gpu_error).toEqual({ kind: 'timeout', message: 'nvidia-smi did not answer within 1 s (killed)' });
    expect(doc.gpus).toBeNull();
    expect(doc.backends[0]).toMatchObject({ name: 'vllm-local', status: 'healthy' });
    expect(took).toBeLessThan(4_000);
    // The stand-in (a shell) and its `sleep` were killed with their process group.
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(false);
  });

  it('--check does not run the GPU tool (its line says nothing of GPUs), so a hanging one cannot hold it up', async () => {
    const l = await backend();
    const tool = withStandIn({ kind: 'hangs', pidFile: join(box.dir, `hang-${++dirs}.pid`) });
    const run = await runCli(['--check', '--timeout', '3s', '--config', config([{ name: 'vllm-local', url: l.url }])], { env: { ...box.env, PATH: tool.path } });
    expect(run.stdout).toMatch(/^NEXUS-TOP OK/);
    expect(run.code).toBe(0);
    expect(tool.calls()).toEqual([]);
  });

  it('a tool that exits 9 is said with its first line of complaint', async () => {
    const tool = withStandIn({ kind: 'exits-9' });
    const l = await backend();
    const run = await runCli(['--json', '--config', config([{ name: 'vllm-local', url: l.url }])], { env: { ...box.env, PATH: tool.path } });
    const doc = JSON.parse(run.stdout) as Doc;
    expect(doc.gpu_error).toEqual({ kind: 'exit', message: 'nvidia-smi exited 9: Failed to initialize NVML: Driver/library version mismatch' });
    expect(doc.gpus).toBeNull();
    expect(doc.backends[0]!.status).toBe('healthy');
    expect(run.code).toBe(0);
  });

  it('no GPU tool on PATH: gpus null, no error, no GPU column or section, nothing said; --no-gpu never runs the tool', async () => {
    const l = await backend();
    const file = config([{ name: 'vllm-local', url: l.url }]);
    const json = await runCli(['--json', '--config', file], { env: { ...box.env, PATH: noTool() } });
    expect(json.stderr).toBe('');
    const doc = JSON.parse(json.stdout) as Doc;
    expect(doc.gpus).toBeNull();
    expect(doc.gpu_error).toBeNull();
    expect(doc.backends[0]!.gpu_memory_bytes).toBeNull();
    const once = await runCli(['--once', '--config', file], { env: { ...box.env, PATH: noTool() } });
    expect(once.code).toBe(0);
    expect(once.stderr).toBe('');
    expect(once.stdout).not.toMatch(/GPU/);

    const tool = withStandIn({ kind: 'answers', processes: [{ pid: l.server, name: 'x', mib: 1 }] });
    const off = await runCli(['--json', '--no-gpu', '--config', file], { env: { ...box.env, PATH: tool.path } });
    expect((JSON.parse(off.stdout) as Doc).gpus).toBeNull();
    const offByConfig = await runCli(['--json', '--config', config([{ name: 'vllm-local', url: l.url }], '[top]\ngpu = false\n\n')], { env: { ...box.env, PATH: tool.path } });
    expect((JSON.parse(offByConfig.stdout) as Doc).gpus).toBeNull();
    expect(tool.calls()).toEqual([]);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function start(args: string[], path: string): { child: ChildProcess; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...box.env, NEXUS_TOP_CONFIG: '', PATH: path }, stdio: ['ignore', 'ignore', 'inherit'] });
  box.track(child);
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exit };
}

async function scrape(port: number): Promise<ReturnType<typeof parsePromText>> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  return parsePromText(await res.text());
}

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    try {
      last = await get();
      if (ok(last)) return last;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

describe('--headless --metrics with a stand-in nvidia-smi', () => {
  it('exports the GPU gauges (unknown ones absent) and the memory each backend holds, on the GPU interval', async () => {
    const l = await backend();
    const tool = withStandIn({ kind: 'answers', processes: [{ pid: l.server, name: 'api', mib: 1000 }, { pid: l.worker, name: 'VLLM::EngineCore', mib: 24 }] });
    const port = await freePort();
    const p = start(['--headless', '--metrics', String(port), '--gpu-interval', '200ms', '--config', config([{ name: 'vllm-local', url: l.url }])], tool.path);
    const held = await until('backend GPU memory', async () => sampleValue(await scrape(port), 'nexus_top_backend_gpu_memory_bytes', { backend: 'vllm-local' }), (v) => v !== undefined);
    expect(held).toBe(1024 * MIB);
    const f = await scrape(port);
    const h100 = { gpu: '0', uuid: UUID0, name: 'NVIDIA H100 80GB HBM3' };
    expect(sampleValue(f, 'nexus_top_gpu_utilization_ratio', h100)).toBe(0.87);
    expect(sampleValue(f, 'nexus_top_gpu_memory_used_bytes', h100)).toBe(71234 * MIB);
    expect(sampleValue(f, 'nexus_top_gpu_memory_total_bytes', h100)).toBe(81559 * MIB);
    expect(sampleValue(f, 'nexus_top_gpu_temperature_celsius', h100)).toBe(64);
    expect(sampleValue(f, 'nexus_top_gpu_power_watts', h100)).toBe(512.37);
    const gtx = { gpu: '1', uuid: UUID1, name: 'NVIDIA GeForce GTX 770' };
    expect(sampleValue(f, 'nexus_top_gpu_memory_used_bytes', gtx)).toBe(1711 * MIB);
    expect(sampleValue(f, 'nexus_top_gpu_utilization_ratio', gtx)).toBeUndefined();
    expect(sampleValue(f, 'nexus_top_gpu_power_watts', gtx)).toBeUndefined();
    // On its own schedule: run again and again (two calls a reading).
    await until('more readings', async () => tool.calls().length, (n) => n >= 6);
    p.child.kill('SIGINT');
    expect(await p.exit).toBe(0);
  });

  it('a hanging tool is killed each round and tried again, while the probes go on at their pace', async () => {
    const l = await backend();
    const tool = withStandIn({ kind: 'hangs', pidFile: join(box.dir, `hang-${++dirs}.pid`) });
    const port = await freePort();
    const p = start(['--headless', '--metrics', String(port), '--timeout', '500ms', '--gpu-interval', '200ms', '--config', config([{ name: 'vllm-local', url: l.url }])], tool.path);
    const probes = async (): Promise<number> => sampleValue(await scrape(port), 'nexus_top_probe_duration_seconds_count', { backend: 'vllm-local' }) ?? 0;
    const first = await until('a probe', probes, (n) => n >= 1);
    // Probes every 0.3 s while each tool run hangs for its 0.5 s deadline.
    await until('probes going on', probes, (n) => n >= first + 5);
    expect(tool.calls().length).toBeGreaterThanOrEqual(2);
    const f = await scrape(port);
    expect(f.has('nexus_top_gpu_utilization_ratio') ? (f.get('nexus_top_gpu_utilization_ratio')!.samples.length) : 0).toBe(0);
    p.child.kill('SIGINT');
    expect(await p.exit).toBe(0);
  });
});

describe('config reload and the GPUs', () => {
  it('[top] gpu = false on SIGHUP turns the GPU gauges off; back to true turns them on again', async () => {
    const l = await backend();
    const tool = withStandIn({ kind: 'answers', processes: [{ pid: l.worker, name: 'VLLM::EngineCore', mib: 64 }] });
    const port = await freePort();
    const backends = [{ name: 'vllm-local', url: l.url }];
    const file = config(backends, '[top]\ngpu_interval_seconds = 0.2\n\n');
    const p = start(['--headless', '--metrics', String(port), '--config', file], tool.path);
    const held = async (): Promise<number | undefined> => sampleValue(await scrape(port), 'nexus_top_backend_gpu_memory_bytes', { backend: 'vllm-local' });
    const util = async (): Promise<number | undefined> => sampleValue(await scrape(port), 'nexus_top_gpu_utilization_ratio', { gpu: '0', uuid: UUID0, name: 'NVIDIA H100 80GB HBM3' });
    expect(await until('GPU memory held', held, (v) => v === 64 * MIB)).toBe(64 * MIB);
    writeFileSync(file, readFileSync(config(backends, '[top]\ngpu = false\n\n'), 'utf8'));
    p.child.kill('SIGHUP');
    await until('the GPU gauges gone', async () => [await held(), await util()], (v) => v.every((x) => x === undefined));
    const calls = tool.calls().length;
    await new Promise((r) => setTimeout(r, 600));
    expect(tool.calls().length).toBe(calls);
    writeFileSync(file, readFileSync(config(backends, '[top]\ngpu_interval_seconds = 0.2\n\n'), 'utf8'));
    p.child.kill('SIGHUP');
    await until('the GPU gauges back', util, (v) => v === 0.87);
    p.child.kill('SIGINT');
    expect(await p.exit).toBe(0);
  });
});

describe('--events --metrics --record, then --replay', () => {
  it('the events mode reads the GPUs too (gauges exported), the recording keeps the readings, and the replay shows them mapped', async () => {
    const l = await backend();
    const tool = withStandIn({ kind: 'answers', processes: [{ pid: l.server, name: 'api', mib: 300 }, { pid: l.worker, name: 'VLLM::EngineCore', mib: 700 }] });
    const port = await freePort();
    const file = join(box.dir, `gpu-${++dirs}.ndjson`);
    const p = start(['--events', '--metrics', String(port), '--gpu-interval', '200ms', '--record', file, '--config', config([{ name: 'vllm-local', url: l.url }])], tool.path);
    await until('backend GPU memory', async () => sampleValue(await scrape(port), 'nexus_top_backend_gpu_memory_bytes', { backend: 'vllm-local' }), (v) => v === 1000 * MIB);
    p.child.kill('SIGINT');
    expect(await p.exit).toBe(0);
    const gpuLines = readFileSync(file, 'utf8').split('\n').filter((x) => x.includes('"type":"gpu"'));
    expect(gpuLines.length).toBeGreaterThanOrEqual(1);
    // The replay needs no tool: PATH without one.
    const replay = await runCli(['--replay', file, '--once', '--json'], { env: { ...box.env, PATH: noTool() } });
    const doc = JSON.parse(replay.stdout) as Doc;
    expect(doc.gpus![0]!.processes.map((x) => [x.pid, x.backend])).toEqual([
      [l.server, 'vllm-local'],
      [l.worker, 'vllm-local'],
    ]);
    expect(doc.backends[0]!.gpu_memory_bytes).toBe(1000 * MIB);
  });
});
