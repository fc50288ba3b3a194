import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../../test/helpers/fake-clock.js';
import type { ProcessLookup } from '../gpu/owner.js';
import type { GpuState } from '../gpu/state.js';
import { createGpuSampler, type GpuSampler, type RunTool, type ToolRun } from './gpu-sampler.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/gpu/${name}`, import.meta.url), 'utf8');
const done = (stdout: string, code = 0, stderr = ''): ToolRun => ({ code, signal: null, stdout, stderr, aborted: false });

let sampler: GpuSampler | undefined;
afterEach(() => sampler?.stop());

/** A stand-in tool: each call answers with `script(call, argv)`, which may hang until the run is aborted. */
function tool(script: (call: number, argv: readonly string[]) => ToolRun | 'hang') {
  const calls: { argv: readonly string[]; at: number }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let aborts = 0;
  const clock = fakeClock(0);
  const run: RunTool = (argv, signal) => {
    calls.push({ argv, at: clock.now() });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const answer = script(calls.length - 1, argv);
    if (answer !== 'hang') {
      inFlight--;
      return Promise.resolve(answer);
    }
    return new Promise((resolve) =>
      signal.addEventListener('abort', () => {
        inFlight--;
        aborts++;
        resolve({ code: null, signal: 'SIGKILL', stdout: '', stderr: '', aborted: true });
      }),
    );
  };
  return { run, calls, clock, maxInFlight: () => maxInFlight, aborts: () => aborts };
}

function start(t: ReturnType<typeof tool>, name: 'nvidia-smi' | 'amd-smi' | 'rocm-smi' = 'nvidia-smi') {
  const states: GpuState[] = [];
  // 40233 is a child of 40170, which listens on :8000 (inode 1); 51002 holds no backend's port.
  const proc: ProcessLookup = { sockets: (p) => (p === 40170 ? [1] : []), parent: (p) => (p === 40233 ? 40170 : 1), name: () => null };
  sampler = createGpuSampler({
    tool: { name, path: `/usr/bin/${name}` },
    clock: t.clock,
    intervalMs: 2_000,
    deadlineMs: 1_500,
    run: t.run,
    mapping: async () => ({ listenerPorts: new Map([[1, 8000]]), backendsByPort: new Map([[8000, 'vllm-a100']]), proc }),
    publish: (s) => states.push(s),
  });
  sampler.start();
  return states;
}

const nvidia = (call: number, argv: readonly string[]): ToolRun =>
  argv.some((a) => a.startsWith('--query-gpu=')) ? done(fixture('nvidia-smi_query-gpu.csv')) : done(fixture('nvidia-smi_compute-apps.csv'));

describe('the GPU sampler', () => {
  it('reads the GPUs and their processes, each process with its backend (through its parent) or none, every interval', async () => {
    const t = tool(nvidia);
    const states = start(t);
    await t.clock.advance(1);
    expect(states).toHaveLength(1);
    const [gpu0, gpu1] = states[0]!.gpus!;
    expect(states[0]!.error).toBeNull();
    expect(gpu0!.processes.map((p) => [p.pid, p.name, p.backend])).toEqual([
      [40170, '/opt/venv/bin/python3', 'vllm-a100'],
      [40233, 'VLLM::EngineCore', 'vllm-a100'],
    ]);
    expect(gpu1!.processes).toEqual([{ pid: 51002, name: '/usr/local/bin/llama-server', memoryBytes: 7311 * 1024 * 1024, backend: null, unmapped: 'it listens on no configured backend’s port' }]);
    expect(t.calls.map((c) => c.argv[1])).toEqual(['--query-gpu=index,uuid,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw,power.limit', '--query-compute-apps=gpu_uuid,pid,used_memory,process_name']);
    await t.clock.advance(2_000);
    await t.clock.advance(2_000);
    expect(states).toHaveLength(3);
  });

  it('a tool that hangs is killed at the deadline, said, and tried again next round; never two runs at once; the last reading kept', async () => {
    const t = tool((call, argv) => (call >= 2 && call < 4 ? 'hang' : nvidia(call, argv)));
    const states = start(t);
    await t.clock.advance(1);
    expect(states[0]!.error).toBeNull();
    await t.clock.advance(2_000); // the third call hangs
    expect(states).toHaveLength(1);
    await t.clock.advance(1_500);
    expect(states[1]!.error).toEqual({ kind: 'timeout', message: 'nvidia-smi did not answer within 1.5 s (killed)' });
    expect(states[1]!.gpus).toEqual(states[0]!.gpus);
    await t.clock.advance(2_000); // the fourth hangs too
    await t.clock.advance(1_500);
    expect(states[2]!.error?.kind).toBe('timeout');
    await t.clock.advance(2_000);
    expect(states[3]!.error).toBeNull();
    expect(t.maxInFlight()).toBe(1);
    // A run starts an interval after the previous one ended, not on a fixed beat.
    expect(t.calls[3]!.at - t.calls[2]!.at).toBe(1_500 + 2_000);
  });

  it('a tool that exits 9 says so with its first line of stderr, sanitised', async () => {
    const t = tool(() => done('', 9, 'Failed to initialize NVML: Driver/library version mismatch\u001b[2J\nmore'));
    const states = start(t);
    await t.clock.advance(1);
    expect(states[0]).toMatchObject({ gpus: null, error: { kind: 'exit', message: 'nvidia-smi exited 9: Failed to initialize NVML: Driver/library version mismatch' } });
  });

  it('garbage output is an error of its own; AMD tools are read the same way', async () => {
    const t = tool(() => done('<html>?</html>'));
    const states = start(t, 'amd-smi');
    await t.clock.advance(1);
    expect(states[0]!.error).toEqual({ kind: 'garbage', message: 'amd-smi printed something that is not its JSON' });
    sampler!.stop();
    const r = tool(() => done(fixture('rocm-smi_json.json')));
    const rs = start(r, 'rocm-smi');
    await r.clock.advance(1);
    expect(rs[0]!.gpus!.map((g) => [g.name, g.utilization, g.processes])).toEqual([['AMD Instinct MI210', 0.73, []]]);
  });

  it('stop() kills a run in progress and publishes nothing more', async () => {
    const t = tool(() => 'hang');
    const states = start(t);
    await t.clock.advance(1);
    expect(t.aborts()).toBe(0);
    sampler!.stop();
    expect(t.aborts()).toBe(1);
    await t.clock.advance(10_000);
    expect(states).toEqual([]);
    expect(t.calls).toHaveLength(1);
  });

  it('readOnce (--once): one reading, published, no schedule after it; both runs within the one deadline', async () => {
    // Each run answers after 1 s: the two of a reading (2 s) overrun the 1.5 s deadline together.
    const t = tool(nvidia);
    let started = 0;
    const slow: RunTool = (argv, signal) =>
      new Promise((resolve) => {
        started++;
        const timer = t.clock.setTimeout(() => void t.run(argv, signal).then(resolve), 1_000);
        signal.addEventListener('abort', () => {
          t.clock.clearTimeout(timer);
          resolve({ code: null, signal: 'SIGKILL', stdout: '', stderr: '', aborted: true });
        });
      });
    const states: GpuState[] = [];
    const once = createGpuSampler({
      tool: { name: 'nvidia-smi', path: '/usr/bin/nvidia-smi' },
      clock: t.clock,
      intervalMs: 2_000,
      deadlineMs: 1_500,
      run: slow,
      mapping: async () => null,
      publish: (s) => states.push(s),
    });
    const done = once.readOnce();
    await t.clock.advance(1_500);
    await done;
    expect(states).toHaveLength(1);
    expect(states[0]!.error).toEqual({ kind: 'timeout', message: 'nvidia-smi did not answer within 1.5 s (killed)' });
    await t.clock.advance(10_000);
    expect(states).toHaveLength(1);
    // The second run started at 1 s and was killed at 1.5 s, before it answered.
    expect(started).toBe(2);
    expect(t.calls).toHaveLength(1);
  });

  it('stop() resolves once the reading in progress has ended', async () => {
    const t = tool(() => 'hang');
    start(t);
    await t.clock.advance(1);
    let stopped = false;
    const p = sampler!.stop().then(() => (stopped = true));
    await p;
    expect(stopped).toBe(true);
    expect(t.aborts()).toBe(1);
  });
});

