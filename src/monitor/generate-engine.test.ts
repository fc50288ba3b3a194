/** The generation check through the whole engine: real loopback backends, the fake clock's schedule, the store's verdict, --json. */
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeClock, type FakeClock } from '../../test/helpers/fake-clock.js';
import { configOf } from '../../test/helpers/fleet.js';
import { startLoopback, type Loopback } from '../../test/helpers/loopback.js';
import type { BackendType, Config } from '../config/types.js';
import { createEngine, type Engine } from '../engine.js';
import { fleetJson } from '../output/json.js';
import type { FleetEvent } from '../store/types.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

interface Backend {
  models: 'ok' | 'fail';
  completions: 'ok' | 'cuda';
  ps?: string[];
}

/** A backend whose model list and completions the test switches; counts the completions asked. */
async function serve(state: Backend): Promise<{ loop: Loopback; completions: () => number; generates: () => number }> {
  let completions = 0;
  let generates = 0;
  const loop = await startLoopback((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/v1/models' || req.url === '/api/tags') {
        if (state.models === 'fail') return json(res, 502, { error: 'bad gateway' });
        return req.url === '/api/tags' ? json(res, 200, { models: [{ name: 'qwen3:14b' }] }) : json(res, 200, { object: 'list', data: [{ id: 'm1' }] });
      }
      if (req.url === '/api/ps') return json(res, 200, { models: (state.ps ?? []).map((name) => ({ name, size: 1, size_vram: 1 })) });
      if (req.url === '/v1/completions' || req.url === '/api/generate') {
        if (req.url === '/v1/completions') completions += 1;
        else generates += 1;
        if (state.completions === 'cuda') return json(res, 500, { error: { message: 'CUDA error: out of memory', type: 'server_error' } });
        return json(res, 200, req.url === '/api/generate' ? { response: 'x', done: true } : { choices: [{ text: 'x' }] });
      }
      json(res, 404, { error: 'not found' });
    });
  });
  cleanups.push(() => loop.close());
  return { loop, completions: () => completions, generates: () => generates };
}

function fleet(entries: Array<[string, string, BackendType]>, top: Partial<Config['top']> = {}): Config {
  const config = configOf(
    entries.map(([n]) => n),
    { health: { timeoutMs: 1_000, intervalMs: 10_000 }, top: { generateIntervalMs: 60_000, ...top } },
  );
  config.backends = config.backends.map((b, i) => ({ ...b, url: entries[i]![1], type: entries[i]![2] }));
  return config;
}

function engineOf(config: Config, clock: FakeClock = fakeClock()): Engine {
  const engine = createEngine(config, clock, {});
  cleanups.push(() => engine.close());
  return engine;
}

const viewOf = (engine: Engine, name: string) => {
  engine.store.flush();
  return engine.store.getSnapshot().byName.get(name)!;
};

describe('generation check in the engine', () => {
  it('a backend that lists its models but cannot generate becomes unhealthy after failure_threshold checks, saying why (stage generate)', async () => {
    const state: Backend = { models: 'ok', completions: 'ok' };
    const { loop, completions } = await serve(state);
    const clock = fakeClock();
    const engine = engineOf(fleet([['gpu-1', loop.url, 'vllm']]), clock);
    const events: FleetEvent[] = [];
    engine.store.onEvent((e) => events.push(e));
    engine.monitor.start();
    // First probe and first check (spread within the first second): healthy, generating.
    await clock.advance(1_000);
    await vi.waitFor(() => expect(viewOf(engine, 'gpu-1').generation?.ok).toBe(true));
    expect(viewOf(engine, 'gpu-1').health).toBe('healthy');
    expect(viewOf(engine, 'gpu-1').generation!.ttftMs).toBeGreaterThan(0);

    state.completions = 'cuda';
    for (let n = 1; n <= 3; n++) {
      // Each minute: six probes (all fine, listing m1) and one generation check (failing).
      await clock.advance(60_000);
      await vi.waitFor(() => expect(completions()).toBe(n + 1));
      await vi.waitFor(() => expect(viewOf(engine, 'gpu-1').generation?.ok).toBe(false));
      await vi.waitFor(() => expect(viewOf(engine, 'gpu-1').recentErrors.filter((e) => e.stage === 'generate')).toHaveLength(n));
      const v = viewOf(engine, 'gpu-1');
      // The probes in between (they succeed) do not reset the generation failures' count.
      expect(v.health).toBe(n < 3 ? 'healthy' : 'unhealthy');
    }
    const v = viewOf(engine, 'gpu-1');
    expect(v.lastError).toMatchObject({ kind: 'http', stage: 'generate', message: 'HTTP 500: CUDA error: out of memory' });
    expect(v.models).toEqual(['m1']);
    expect(events.filter((e) => e.type === 'status').at(-1)).toMatchObject({ type: 'status', from: 'healthy', to: 'unhealthy', kind: 'http', message: 'generate: HTTP 500: CUDA error: out of memory' });

    const out = fleetJson(engine.store.getSnapshot(), clock.now()).backends[0]!;
    expect(out.status).toBe('unhealthy');
    expect(out.last_error).toMatchObject({ kind: 'http', stage: 'generate' });
    expect(out.generation).toEqual({ ok: false, model: 'm1', ttft_ms: null, at: expect.any(String), error: { kind: 'http', message: 'HTTP 500: CUDA error: out of memory' }, skipped: null });

    // It generates again: healthy after recovery_threshold (2) good checks, probes alone never heal it.
    state.completions = 'ok';
    await clock.advance(60_000);
    await vi.waitFor(() => expect(viewOf(engine, 'gpu-1').generation?.ok).toBe(true));
    expect(viewOf(engine, 'gpu-1').health).toBe('unhealthy');
    await clock.advance(60_000);
    await vi.waitFor(() => expect(viewOf(engine, 'gpu-1').health).toBe('healthy'));
  });

  it('a generation success does not heal a backend whose probe fails', async () => {
    const state: Backend = { models: 'fail', completions: 'ok' };
    const { loop } = await serve(state);
    const engine = engineOf(fleet([['gpu-1', loop.url, 'vllm']], { generateModels: { 'gpu-1': 'm1' } }));
    for (let n = 0; n < 3; n++) await engine.monitor.checkNow();
    const v = viewOf(engine, 'gpu-1');
    expect(v.generation).toMatchObject({ ok: true, model: 'm1' });
    expect(v.health).toBe('unhealthy');
    expect(v.lastError).toMatchObject({ kind: 'http' });
    expect(v.lastError!.stage).toBeUndefined();
    expect((fleetJson(engine.store.getSnapshot(), 0).backends[0]!.last_error as Record<string, unknown>)['stage']).toBeUndefined();
  });

  it('--once: one check beside the probe; a first failure decides like a first failed probe', async () => {
    const { loop, completions } = await serve({ models: 'ok', completions: 'cuda' });
    const engine = engineOf(fleet([['gpu-1', loop.url, 'vllm']]));
    await engine.monitor.checkNow();
    expect(completions()).toBe(1);
    expect(viewOf(engine, 'gpu-1').health).toBe('unhealthy');
    expect(fleetJson(engine.store.getSnapshot(), 0).backends[0]!.last_error).toMatchObject({ stage: 'generate' });
  });

  it('skipped checks change nothing; Ollama with nothing loaded is never asked to generate', async () => {
    const { loop, generates } = await serve({ models: 'ok', completions: 'cuda', ps: [] });
    const engine = engineOf(fleet([['box', loop.url, 'ollama']]));
    for (let n = 0; n < 4; n++) await engine.monitor.checkNow();
    const v = viewOf(engine, 'box');
    expect(generates()).toBe(0);
    expect(v.health).toBe('healthy');
    expect(v.lastError).toBeNull();
    expect(fleetJson(engine.store.getSnapshot(), 0).backends[0]!.generation).toEqual({ ok: false, model: null, ttft_ms: null, at: expect.any(String), error: null, skipped: 'no model loaded (the check never loads one)' });
  });

  it('off by default, and cloud types are asked only when named: generation null, no completion asked', async () => {
    const { loop, completions } = await serve({ models: 'ok', completions: 'ok' });
    const off = engineOf(fleet([['gpu-1', loop.url, 'vllm']], { generateIntervalMs: null }));
    await off.monitor.checkNow();
    expect(fleetJson(off.store.getSnapshot(), 0).backends[0]!.generation).toBeNull();
    const cloud = engineOf(fleet([['cloud', loop.url, 'openai']]));
    await cloud.monitor.checkNow();
    expect(viewOf(cloud, 'cloud').generation).toBeNull();
    expect(completions()).toBe(0);
  });

  it('turning the check off by a reload frees a backend it held unhealthy', async () => {
    const { loop } = await serve({ models: 'ok', completions: 'cuda' });
    const config = fleet([['gpu-1', loop.url, 'vllm']]);
    const engine = engineOf(config);
    await engine.monitor.checkNow();
    expect(viewOf(engine, 'gpu-1').health).toBe('unhealthy');
    const next = { ...config, top: { ...config.top, generateIntervalMs: null } };
    engine.reload(next, { added: [], removed: [], replaced: [], relabelled: [], settings: true });
    const v = viewOf(engine, 'gpu-1');
    expect(v.health).toBe('healthy');
    expect(v.generation).toBeNull();
  });
});
