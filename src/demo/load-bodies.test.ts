/** The demo fleet serves load bodies the real parsers read, with figures that move, and vLLM saturating now and then. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsFamily, parseLlamacppSlots, parseLmStudioModels, parseMetricsLoad, parseOllamaPs, type LoadParse } from '../backends/load/figures.js';
import { DEMO_TIMING, startDemoFleet, type DemoFleet } from './fleet.js';
import { LOAD_TIMING, saturation, vllmFigures } from './load-bodies.js';

const T0 = 1_800_000_000_000;
let clock = T0;
let demo: DemoFleet;

beforeAll(async () => {
  demo = await startDemoFleet({ now: () => clock, random: () => 0.5 });
});
afterAll(() => demo.close());

const urlOf = (name: string): string => demo.config.backends.find((b) => b.name === name)!.url;

/** GET a load endpoint of a demo backend `elapsedMs` into the demo. */
async function body(name: string, path: string, elapsedMs: number): Promise<string> {
  clock = T0 + elapsedMs;
  const res = await fetch(urlOf(name) + path);
  expect(res.status, `${name} ${path}`).toBe(200);
  return res.text();
}

function figures(parse: LoadParse) {
  if (!parse.ok) throw new Error(parse.message);
  return parse.figures;
}

const CALM = 10_000;
const PEAK = LOAD_TIMING.saturateAtMs + LOAD_TIMING.saturateForMs / 2;

describe('the demo fleet serves load', () => {
  it('vLLM /metrics: calm most of the time, then a queue builds and the KV cache nearly fills, then it drains', async () => {
    const calm = figures(parseMetricsLoad(await body('vllm-a100', '/metrics', CALM), 'vllm'));
    expect(calm.waiting).toBe(0);
    expect(calm.running).toBeGreaterThan(0);
    expect(calm.kvCache).toBeLessThan(0.9);
    const peak = figures(parseMetricsLoad(await body('vllm-a100', '/metrics', PEAK), 'vllm'));
    expect(peak.waiting).toBeGreaterThanOrEqual(30);
    expect(peak.kvCache).toBeGreaterThanOrEqual(0.97);
    const after = figures(parseMetricsLoad(await body('vllm-a100', '/metrics', LOAD_TIMING.saturateAtMs + LOAD_TIMING.saturateForMs + 1_000), 'vllm'));
    expect(after.waiting).toBe(0);
    // And again in the next round.
    expect(saturation(LOAD_TIMING.saturateEveryMs + PEAK)).not.toBeNull();
  });

  it('the figures move over time', () => {
    const seen = new Set<string>();
    for (let t = 0; t < 60_000; t += 2_000) seen.add(JSON.stringify(vllmFigures(t)));
    expect(seen.size).toBeGreaterThan(10);
  });

  it('llama.cpp /slots and /metrics (once its model has loaded): two slots, busy ones and a deferred request move', async () => {
    const after = DEMO_TIMING.loadingMs + 1_000;
    const busy = new Set<number>();
    let deferred = 0;
    for (let t = after; t < after + 40_000; t += 1_000) {
      const slots = figures(parseLlamacppSlots(await body('llamacpp-gpu2', '/slots', t)));
      expect(slots.slots?.total).toBe(2);
      busy.add(slots.slots!.busy);
      const metrics = await body('llamacpp-gpu2', '/metrics', t);
      expect(metricsFamily(metrics)).toBe('llamacpp');
      const m = figures(parseMetricsLoad(metrics, 'llamacpp'));
      expect(m.running).toBe(slots.slots!.busy);
      deferred = Math.max(deferred, m.waiting ?? 0);
    }
    expect(busy.has(2)).toBe(true);
    expect(busy.size).toBeGreaterThan(1);
    expect(deferred).toBe(1);
  });

  it('Ollama /api/ps: the models in memory, one partly on the CPU, unloading a few minutes from now', async () => {
    const f = figures(parseOllamaPs(await body('ollama-gpu1', '/api/ps', CALM)));
    expect(f.loadedModels!.map((m) => m.name)).toEqual(['qwen3:14b', 'nomic-embed-text:latest']);
    expect(f.loadedModels![0]!.vramBytes!).toBeLessThan(f.loadedModels![0]!.sizeBytes!);
    const left = f.loadedModels![0]!.expiresAt! - clock;
    expect(left).toBeGreaterThan(60_000);
    expect(left).toBeLessThanOrEqual(5 * 60_000);
  });

  it('LM Studio /api/v0/models (after its slow answer): which model is loaded', async () => {
    const f = figures(parseLmStudioModels(await body('lmstudio-slow', '/api/v0/models', CALM)));
    expect(f.loadedModels!.map((m) => m.name)).toEqual(['qwen/qwen3-8b']);
  });

  it('the generic SGLang answers /metrics every time, even while half its requests fail', async () => {
    for (let i = 0; i < 4; i++) {
      const text = await body('sglang-intermittent', '/metrics', CALM + i);
      expect(metricsFamily(text)).toBe('sglang');
      expect(figures(parseMetricsLoad(text, 'sglang')).running).toBeGreaterThan(0);
    }
  });
});
