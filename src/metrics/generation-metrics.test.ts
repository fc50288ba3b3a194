/** --metrics exports the generation check: TTFT (absent while unknown) and ok, from a real engine and a real scrape. */
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../../test/helpers/fake-clock.js';
import { configOf } from '../../test/helpers/fleet.js';
import { startLoopback } from '../../test/helpers/loopback.js';
import { parsePromText, sampleValue } from '../../test/helpers/prom-text.js';
import { createEngine } from '../engine.js';
import { createMetricsServer } from './server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('generation metrics', () => {
  it('nexus_top_backend_generation_ttft_seconds and _ok follow the last check; absent before one and for a skipped one', async () => {
    const mode = { completions: 'ok' as 'ok' | 'fail' };
    const server = await startLoopback((req, res) => {
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (req.url === '/v1/models') return res.end(JSON.stringify({ data: [{ id: 'm1' }] }));
        if (req.url === '/api/tags') return res.end(JSON.stringify({ models: [{ name: 'q:1' }] }));
        if (req.url === '/api/ps') return res.end(JSON.stringify({ models: [] }));
        if (mode.completions === 'fail') res.statusCode = 500;
        res.end(JSON.stringify(mode.completions === 'ok' ? { choices: [{ text: 'x' }] } : { error: { message: 'CUDA error' } }));
      });
    });
    cleanups.push(() => server.close());
    const config = configOf(['gpu-1', 'box'], { health: { timeoutMs: 2_000 }, top: { generateIntervalMs: 60_000 } });
    config.backends[0] = { ...config.backends[0]!, url: server.url, type: 'vllm' };
    config.backends[1] = { ...config.backends[1]!, url: server.url, type: 'ollama' };
    const engine = createEngine(config, fakeClock(), {});
    cleanups.push(() => engine.close());
    const metrics = await createMetricsServer({ store: engine.store, port: 0 });
    cleanups.push(() => metrics.close());
    const scrape = async () => parsePromText(await (await request(metrics.url)).body.text());

    let s = await scrape();
    expect(sampleValue(s, 'nexus_top_backend_generation_ttft_seconds', { backend: 'gpu-1' })).toBeUndefined();
    expect(sampleValue(s, 'nexus_top_backend_generation_ok', { backend: 'gpu-1' })).toBeUndefined();

    await engine.monitor.checkNow();
    engine.store.flush();
    s = await scrape();
    const ttft = sampleValue(s, 'nexus_top_backend_generation_ttft_seconds', { backend: 'gpu-1' });
    expect(ttft).toBeGreaterThan(0);
    expect(ttft).toBeLessThan(2);
    expect(sampleValue(s, 'nexus_top_backend_generation_ok', { backend: 'gpu-1' })).toBe(1);
    // Ollama with nothing loaded: skipped, so neither series.
    expect(sampleValue(s, 'nexus_top_backend_generation_ok', { backend: 'box' })).toBeUndefined();

    mode.completions = 'fail';
    await engine.monitor.checkNow();
    engine.store.flush();
    s = await scrape();
    expect(sampleValue(s, 'nexus_top_backend_generation_ok', { backend: 'gpu-1' })).toBe(0);
    expect(sampleValue(s, 'nexus_top_backend_generation_ttft_seconds', { backend: 'gpu-1' })).toBeUndefined();
  });
});
