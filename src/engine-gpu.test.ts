/**
 * The engine's GPU wiring, on a fake clock with an injected tool: the sampler starts with the monitor and
 * stops with the engine; --once's single reading; the notes for no tool and GPUs off; a reload that
 * turns GPUs off clears them.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../test/helpers/fake-clock.js';
import { configOf } from '../test/helpers/fleet.js';
import { diffFleets } from './config/diff.js';
import { createEngine, type Engine } from './engine.js';
import type { RunTool } from './monitor/gpu-sampler.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/gpu/${name}`, import.meta.url), 'utf8');
const nvidia: RunTool = async (argv) => ({
  code: 0,
  signal: null,
  stderr: '',
  aborted: false,
  stdout: argv.some((a) => a.startsWith('--query-gpu=')) ? fixture('nvidia-smi_query-gpu.csv') : fixture('nvidia-smi_compute-apps_empty.csv'),
});
const tool = { name: 'nvidia-smi' as const, path: '/usr/bin/nvidia-smi' };

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

describe('the engine and the GPUs', () => {
  it('no tool: no reading, the note says so; GPUs off: the note says that, and the tool is never run', async () => {
    engine = createEngine(configOf(['a']), fakeClock(0), {}, { gpuTool: null });
    expect(engine.gpuNote).toBe('no GPU tool found');
    await engine.readGpuOnce!();
    expect(engine.store.getSnapshot().gpu).toBeNull();
    await engine.close();
    let runs = 0;
    engine = createEngine(configOf(['a'], { top: { gpu: false } }), fakeClock(0), {}, { gpuTool: tool, runGpuTool: (a, s) => (runs++, nvidia(a, s)) });
    expect(engine.gpuNote).toBe('GPUs turned off');
    await engine.readGpuOnce!();
    expect(runs).toBe(0);
    expect(engine.store.getSnapshot().gpu).toBeNull();
  });

  it('readGpuOnce puts one reading in the store; the live schedule starts with the monitor, every gpu interval', async () => {
    const clock = fakeClock(0);
    let runs = 0;
    engine = createEngine(configOf(['a'], { top: { gpuIntervalMs: 1_000 } }), clock, {}, { gpuTool: tool, runGpuTool: (a, s) => (runs++, nvidia(a, s)) });
    expect(engine.gpuNote).toBeUndefined();
    await engine.readGpuOnce!();
    engine.store.flush();
    expect(engine.store.getSnapshot().gpu?.gpus?.map((g) => g.name)).toEqual(['NVIDIA H100 80GB HBM3', 'NVIDIA H100 80GB HBM3']);
    expect(runs).toBe(2);
    await clock.advance(5_000);
    expect(runs).toBe(2);
    engine.monitor.start();
    await clock.advance(1);
    expect(runs).toBe(4);
    await clock.advance(1_000);
    expect(runs).toBe(6);
    await engine.close();
    await clock.advance(5_000);
    expect(runs).toBe(6);
  });

  it('a reload with [top] gpu = false stops the tool and clears the GPUs', async () => {
    const clock = fakeClock(0);
    let runs = 0;
    const config = configOf(['a'], { top: { gpuIntervalMs: 1_000 } });
    engine = createEngine(config, clock, {}, { gpuTool: tool, runGpuTool: (a, s) => (runs++, nvidia(a, s)) });
    engine.monitor.start();
    await clock.advance(1);
    engine.store.flush();
    expect(engine.store.getSnapshot().gpu).not.toBeNull();
    const off = { ...config, top: { ...config.top, gpu: false } };
    engine.reload(off, diffFleets(config, off));
    engine.store.flush();
    expect(engine.store.getSnapshot().gpu).toBeNull();
    expect(engine.gpuNote).toBe('GPUs turned off');
    const before = runs;
    await clock.advance(5_000);
    expect(runs).toBe(before);
  });
});
