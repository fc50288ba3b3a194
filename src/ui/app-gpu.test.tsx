/** The GPU panel, the GPU MEM column and the GPU lines of the detail pane, in the dashboard (ink-testing-library). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configOf, ok } from '../../test/helpers/fleet.js';
import { KEYS, renderApp, storeWith } from '../../test/helpers/render-app.js';
import type { GpuState } from '../gpu/state.js';

const GIB = 1024 ** 3;
const gpuState: GpuState = {
  tool: 'nvidia-smi',
  at: 1_700_000_000_000,
  gpusAt: 1_700_000_000_000,
  error: null,
  gpus: [
    {
      index: 0,
      uuid: 'GPU-a',
      name: 'NVIDIA H100 80GB HBM3',
      vendor: 'nvidia',
      utilization: 0.87,
      memoryUsedBytes: 71 * GIB,
      memoryTotalBytes: 80 * GIB,
      temperatureC: 64,
      powerW: 512,
      powerLimitW: 700,
      processes: [
        { pid: 40170, name: '/opt/venv/bin/python3', memoryBytes: 60 * GIB, backend: 'vllm-a100', unmapped: null },
        { pid: 40233, name: 'VLLM::EngineCore', memoryBytes: 1 * GIB, backend: 'vllm-a100', unmapped: null },
        { pid: 51002, name: 'VLLM::EngineCore', memoryBytes: 10 * GIB, backend: null, unmapped: 'it listens on no configured backend’s port' },
      ],
    },
  ],
};

let app: ReturnType<typeof renderApp> | undefined;
afterEach(() => {
  app?.unmount();
  app = undefined;
});

function fleetWithGpus(gpu: GpuState | null) {
  const made = storeWith(configOf(['ollama-cpu', 'vllm-a100']), { 'ollama-cpu': [ok()], 'vllm-a100': [ok()] });
  if (gpu) made.store.setGpu(gpu);
  made.store.flush();
  return made;
}

async function open(gpu: GpuState | null, options: Parameters<typeof renderApp>[1] = {}) {
  app = renderApp(fleetWithGpus(gpu).store, options);
  await vi.waitFor(() => expect(app!.screen()).toContain('NAME'));
  return app;
}

const lines = (s: string): string[] => s.split('\n');

describe('GPU panel in the dashboard', () => {
  it('above the table: a line per GPU, the process no backend owns; the table gets GPU MEM per backend', async () => {
    const a = await open(gpuState);
    const s = lines(a.screen());
    expect(s[2]).toBe('GPU0 NVIDIA H100 80GB HBM3  util █████████░ 87%  mem █████████░ 71.0G/80.0G  64°C  512/700 W');
    expect(s[3]).toBe('  no backend: pid 51002 VLLM::EngineCore holds 10.0G on GPU0');
    expect(s[4]).toMatch(/NAME .*MODELS +GPU MEM +HISTORY/);
    expect(s.find((l) => l.includes('vllm-a100'))).toMatch(/ 61\.0G /);
    expect(s.find((l) => l.includes('ollama-cpu'))).toMatch(/ {5}- /);
  });

  it('u hides it and shows it again; the help lists u', async () => {
    const a = await open(gpuState);
    await a.press('u');
    await vi.waitFor(() => expect(a.screen()).not.toContain('GPU0 NVIDIA'));
    expect(lines(a.screen())[2]).toMatch(/^ +NAME /);
    await a.press('u');
    await vi.waitFor(() => expect(a.screen()).toContain('GPU0 NVIDIA'));
    await a.press('?');
    await vi.waitFor(() => expect(a.screen()).toMatch(/^ {2}u +GPU panel on\/off$/m));
  });

  it('hidden on a terminal too small for it beside the table', async () => {
    const a = await open(gpuState, { rows: 10 });
    expect(a.screen()).not.toContain('GPU0 NVIDIA');
    expect(a.screen()).toContain('vllm-a100');
  });

  it('the detail pane lists the backend\'s GPU processes with their PIDs and memory', async () => {
    const a = await open(gpuState);
    await a.press(KEYS.down, KEYS.enter);
    await vi.waitFor(() => expect(a.screen()).toMatch(/^vllm-a100$/m));
    const s = a.screen();
    expect(s).toMatch(/^gpu +61\.0G in 2 processes$/m);
    expect(s).toMatch(/^ +GPU0 {2}pid 40170 {2} 60\.0G {2}\/opt\/venv\/bin\/python3$/m);
    expect(s).toMatch(/^ +GPU0 {2}pid 40233 {2} {2}1\.0G {2}VLLM::EngineCore$/m);
  });

  it('no GPU tool: no panel, no GPU MEM column, and the help and the detail pane say so', async () => {
    const a = await open(null, { gpuNote: 'no GPU tool found (nvidia-smi, amd-smi, rocm-smi)' });
    expect(a.screen()).not.toContain('GPU0');
    expect(a.screen()).not.toContain('GPU MEM');
    await a.press(KEYS.enter);
    await vi.waitFor(() => expect(a.screen()).toMatch(/^gpu +no GPU tool found \(nvidia-smi, amd-smi, rocm-smi\)$/m));
    await a.press(KEYS.escape);
    await a.press('?');
    await vi.waitFor(() => expect(a.screen()).toMatch(/^ {2}u +GPU panel on\/off \(no GPU tool found \(nvidia-smi, amd-smi, rocm-smi\)\)$/m));
  });

  it('the tool in trouble: said in the panel, the last reading still shown', async () => {
    const a = await open({ ...gpuState, at: gpuState.at + 30_000, error: { kind: 'timeout', message: 'nvidia-smi did not answer within 5 s (killed)' } });
    expect(lines(a.screen())[2]).toMatch(/^GPUs: nvidia-smi did not answer within 5 s \(killed\) \(showing the reading of \d+s ago\)$/);
    expect(lines(a.screen())[3]).toMatch(/^GPU0 NVIDIA/);
  });
});
