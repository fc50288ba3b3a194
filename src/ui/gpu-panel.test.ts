import { describe, expect, it } from 'vitest';
import type { GpuState } from '../gpu/state.js';
import type { Segment } from './layout.js';
import { bar, gpuPanelLines } from './gpu-panel.js';
import { makeTheme } from './theme.js';

const GIB = 1024 ** 3;
const text = (lines: Segment[][]): string[] => lines.map((l) => l.map((s) => s.text).join(''));
const unicode = makeTheme({ color: true, unicode: true });
const ascii = makeTheme({ color: false, unicode: false });

const state: GpuState = {
  tool: 'nvidia-smi',
  at: 10_000,
  gpusAt: 10_000,
  error: null,
  gpus: [
    {
      index: 0,
      uuid: 'GPU-a',
      name: 'NVIDIA H100 80GB HBM3',
      vendor: 'nvidia',
      utilization: 0.87,
      memoryUsedBytes: 69.6 * GIB,
      memoryTotalBytes: 79.6 * GIB,
      temperatureC: 64,
      powerW: 512.4,
      powerLimitW: 700,
      processes: [{ pid: 1, name: 'python3', memoryBytes: 60 * GIB, backend: 'vllm', unmapped: null }],
    },
    {
      index: 1,
      uuid: 'GPU-b',
      name: 'NVIDIA H100 80GB HBM3',
      vendor: 'nvidia',
      utilization: null,
      memoryUsedBytes: 70 * GIB,
      memoryTotalBytes: 79.6 * GIB,
      temperatureC: null,
      powerW: null,
      powerLimitW: null,
      processes: [{ pid: 40233, name: 'VLLM::EngineCore', memoryBytes: 70 * GIB, backend: null, unmapped: 'it listens on no configured backend’s port' }],
    },
  ],
};

describe('GPU panel', () => {
  it('a line per GPU: index, name, utilisation and memory bars with their figures, temperature, power against its limit', () => {
    const lines = text(gpuPanelLines(state, 10_000, 120, unicode));
    expect(lines[0]).toBe('GPU0 NVIDIA H100 80GB HBM3  util █████████░ 87%  mem █████████░ 69.6G/79.6G  64°C  512/700 W');
    // Unknown readings are ?, never 0 or an empty bar.
    expect(lines[1]).toBe('GPU1 NVIDIA H100 80GB HBM3  util ??????????  ?%  mem █████████░ 70.0G/79.6G  ?°C  ? W');
  });

  it('reads without colour or Unicode: # and . cells, the numbers beside them', () => {
    const lines = text(gpuPanelLines(state, 10_000, 120, ascii));
    expect(lines[0]).toBe('GPU0 NVIDIA H100 80GB HBM3  util #########. 87%  mem #########. 69.6G/79.6G  64C  512/700 W');
    expect(gpuPanelLines(state, 10_000, 120, ascii).flat().some((s) => s.colour !== undefined)).toBe(false);
    expect(bar(0, 4, ascii)).toBe('....');
    expect(bar(1, 4, ascii)).toBe('####');
  });

  it('lists the process that belongs to no backend, with its memory: often the answer', () => {
    expect(text(gpuPanelLines(state, 10_000, 120, unicode))).toContain('  no backend: pid 40233 VLLM::EngineCore holds 70.0G on GPU1');
  });

  it('narrow terminals: shorter bars, then temperature and power dropped, name and figures kept', () => {
    const narrow = text(gpuPanelLines(state, 10_000, 70, unicode));
    expect(narrow[0]).toBe('GPU0 NVIDIA H100 80GB HBM3  util ███░ 87%  mem ███░ 69.6G/79.6G');
    for (const l of narrow) expect([...l].length).toBeLessThanOrEqual(70);
  });

  it('the tool in trouble: said first, with the age of the reading still shown', () => {
    const failed: GpuState = { ...state, at: 40_000, error: { kind: 'timeout', message: 'nvidia-smi did not answer within 5 s (killed)' } };
    expect(text(gpuPanelLines(failed, 42_000, 120, unicode))[0]).toBe('GPUs: nvidia-smi did not answer within 5 s (killed) (showing the reading of 32s ago)');
    expect(text(gpuPanelLines({ ...failed, gpus: null, gpusAt: null }, 42_000, 120, unicode))).toEqual(['GPUs: nvidia-smi did not answer within 5 s (killed)']);
  });
});

describe('the GPU panel with GPUs of different names', () => {
  it('gives every name its whole length (up to 24), so the longest is not cut and the bars line up', () => {
    const g0 = state.gpus![0]!;
    const mixed: GpuState = { ...state, gpus: [g0, { ...g0, index: 1, uuid: 'GPU-c', name: 'NVIDIA GeForce GTX 770', processes: [] }] };
    const [a, b] = text(gpuPanelLines(mixed, 10_000, 120, ascii));
    expect(b).toContain('GPU1 NVIDIA GeForce GTX 770  util');
    expect(a).toContain('GPU0 NVIDIA H100 80GB HBM3   util');
    expect(a!.indexOf('util')).toBe(b!.indexOf('util'));
  });
});
