/** The box's GPUs as scripts and Prometheus see them: `--json`'s gpus / gpu_error / gpu_memory_bytes, and /metrics. */
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../../test/helpers/fake-clock.js';
import { configOf } from '../../test/helpers/fleet.js';
import { parsePromText, sampleValue } from '../../test/helpers/prom-text.js';
import { createFleetMetrics } from '../metrics/registry.js';
import { fleetJson } from '../output/json.js';
import { createStore } from '../store/store.js';
import type { GpuState } from './state.js';
import { MIB } from './types.js';

const GIB = 1024 * MIB;
const state: GpuState = {
  tool: 'nvidia-smi',
  at: 1_000,
  gpusAt: 1_000,
  error: null,
  gpus: [
    {
      index: 0,
      uuid: 'GPU-a',
      name: 'NVIDIA H100',
      vendor: 'nvidia',
      utilization: 0.87,
      memoryUsedBytes: 71 * GIB,
      memoryTotalBytes: 80 * GIB,
      temperatureC: 64,
      powerW: 512.5,
      powerLimitW: 700,
      processes: [
        { pid: 10, name: 'python3', memoryBytes: 60 * GIB, backend: 'vllm', unmapped: null },
        { pid: 11, name: 'VLLM::EngineCore', memoryBytes: 1 * GIB, backend: 'vllm', unmapped: null },
        { pid: 12, name: 'VLLM::EngineCore', memoryBytes: 10 * GIB, backend: null, unmapped: 'it listens on no configured backend’s port' },
      ],
    },
    { index: 1, uuid: 'GPU-b', name: 'GTX 770', vendor: 'nvidia', utilization: null, memoryUsedBytes: 1 * GIB, memoryTotalBytes: 2 * GIB, temperatureC: 50, powerW: null, powerLimitW: null, processes: [{ pid: 20, name: 'llama-server', memoryBytes: 1 * GIB, backend: 'vllm', unmapped: null }] },
  ],
};

function storeWithGpus(gpu: GpuState | null) {
  const store = createStore(configOf(['vllm', 'ollama']), { clock: fakeClock(0) });
  if (gpu) store.setGpu(gpu);
  store.flush();
  return store;
}

describe('GPUs in --json', () => {
  it('top-level gpus with their processes and backends; per backend the memory its processes hold over all GPUs', () => {
    const doc = fleetJson(storeWithGpus(state).getSnapshot(), 0);
    expect(doc.gpu_error).toBeNull();
    expect(doc.gpus![0]).toEqual({
      index: 0,
      uuid: 'GPU-a',
      name: 'NVIDIA H100',
      vendor: 'nvidia',
      utilization: 0.87,
      memory_used_bytes: 71 * GIB,
      memory_total_bytes: 80 * GIB,
      temperature_c: 64,
      power_w: 512.5,
      power_limit_w: 700,
      processes: [
        { pid: 10, name: 'python3', memory_bytes: 60 * GIB, backend: 'vllm' },
        { pid: 11, name: 'VLLM::EngineCore', memory_bytes: 1 * GIB, backend: 'vllm' },
        { pid: 12, name: 'VLLM::EngineCore', memory_bytes: 10 * GIB, backend: null },
      ],
    });
    // Unknown readings stay null, never 0.
    expect(doc.gpus![1]).toMatchObject({ utilization: null, power_w: null, power_limit_w: null });
    const by = Object.fromEntries(doc.backends.map((b) => [b.name, b.gpu_memory_bytes]));
    expect(by).toEqual({ vllm: 62 * GIB, ollama: null });
  });

  it('no GPU tool: gpus null; a failed last run: gpu_error says why, the last reading kept', () => {
    const none = fleetJson(storeWithGpus(null).getSnapshot(), 0);
    expect(none).toMatchObject({ gpus: null, gpu_error: null });
    expect(none.backends.every((b) => b.gpu_memory_bytes === null)).toBe(true);
    const failed = fleetJson(storeWithGpus({ ...state, error: { kind: 'timeout', message: 'nvidia-smi did not answer within 5 s (killed)' } }).getSnapshot(), 0);
    expect(failed.gpu_error).toEqual({ kind: 'timeout', message: 'nvidia-smi did not answer within 5 s (killed)' });
    expect(failed.gpus).toHaveLength(2);
  });
});

describe('GPUs in /metrics', () => {
  it('per GPU gauges labelled gpu, uuid, name; unknown readings absent; memory per backend', async () => {
    const metrics = createFleetMetrics(storeWithGpus(state));
    const families = parsePromText(await metrics.registry.metrics());
    metrics.dispose();
    const labels = { gpu: '0', uuid: 'GPU-a', name: 'NVIDIA H100' };
    expect(sampleValue(families, 'nexus_top_gpu_utilization_ratio', labels)).toBe(0.87);
    expect(sampleValue(families, 'nexus_top_gpu_memory_used_bytes', labels)).toBe(71 * GIB);
    expect(sampleValue(families, 'nexus_top_gpu_memory_total_bytes', labels)).toBe(80 * GIB);
    expect(sampleValue(families, 'nexus_top_gpu_temperature_celsius', labels)).toBe(64);
    expect(sampleValue(families, 'nexus_top_gpu_power_watts', labels)).toBe(512.5);
    const gtx = { gpu: '1', uuid: 'GPU-b', name: 'GTX 770' };
    expect(sampleValue(families, 'nexus_top_gpu_utilization_ratio', gtx)).toBeUndefined();
    expect(sampleValue(families, 'nexus_top_gpu_power_watts', gtx)).toBeUndefined();
    expect(sampleValue(families, 'nexus_top_backend_gpu_memory_bytes', { backend: 'vllm' })).toBe(62 * GIB);
    expect(sampleValue(families, 'nexus_top_backend_gpu_memory_bytes', { backend: 'ollama' })).toBeUndefined();
  });

  it('no GPU tool: no GPU series at all', async () => {
    const metrics = createFleetMetrics(storeWithGpus(null));
    const text = await metrics.registry.metrics();
    metrics.dispose();
    expect(text).not.toMatch(/^nexus_top_gpu_\w+\{/m);
    expect(text).not.toMatch(/^nexus_top_backend_gpu_memory_bytes\{/m);
  });
});
