import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configOf } from '../../test/helpers/fleet.js';
import { sendWire, startLoopback } from '../../test/helpers/loopback.js';
import { loadWire } from '../../test/helpers/wire.js';
import type { LoadReading } from '../core/load.js';
import type { ProbeResult } from '../core/outcome.js';
import { createEngine } from '../engine.js';
import { fleetJson } from '../output/json.js';
import { createLineParser, headerJson, loadLineJson, parseHeader, probeJson, type RecordingHeader } from './format.js';
import { createRecorder, openRecordFile } from './recorder.js';
import { createReplayEngine, openRecording } from './replay.js';

const T0 = Date.UTC(2026, 10, 24, 10, 0, 0);
let dir: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nexus-top-load-lines-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = configOf(['a', 'b']);
const headerLine = JSON.stringify(headerJson(config, { version: 'test', recordedAt: T0, drained: [] }));
const header = (): RecordingHeader => {
  const h = parseHeader(headerLine);
  if (!h.ok) throw new Error(h.error);
  return h.value;
};
const reading: LoadReading = {
  backend: 'a',
  at: T0 + 1_000,
  figures: {
    running: 3,
    waiting: 7,
    kvCache: 0.91,
    slots: { busy: 2, total: 4 },
    loadedModels: [{ name: 'qwen3:14b', sizeBytes: 100, vramBytes: 60, expiresAt: T0 + 300_000 }, { name: 'x', sizeBytes: null, vramBytes: null, expiresAt: null }],
  },
  sources: ['slots', 'metrics'],
  error: null,
};
const probe = (backend: string, at: number): string => {
  const r: ProbeResult = { backend, outcome: 'ok', models: ['m'], startedAt: T0 + at - 5, finishedAt: T0 + at, latencyMs: 5 };
  return JSON.stringify(probeJson(r, undefined));
};
function file(lines: string[]): string {
  const f = join(dir, `r${++n}.ndjson`);
  writeFileSync(f, `${lines.join('\n')}\n`);
  return f;
}

describe('load lines in recordings', () => {
  it('round-trips a reading', () => {
    const parse = createLineParser(header());
    const line = loadLineJson(reading);
    expect(line).toMatchObject({ type: 'load', ts: new Date(T0 + 1_000).toISOString(), backend: 'a', running: 3, waiting: 7, kv_cache: 0.91 });
    expect(parse(JSON.stringify(line))).toEqual({ ok: true, value: { type: 'load', ts: T0 + 1_000, reading } });
    const failed: LoadReading = { ...reading, figures: { running: null, waiting: null, kvCache: null, slots: null, loadedModels: null }, sources: [], error: { kind: 'timeout', message: '/metrics: no answer within 5 s' } };
    expect(parse(JSON.stringify(loadLineJson(failed)))).toEqual({ ok: true, value: { type: 'load', ts: T0 + 1_000, reading: failed } });
  });

  it('garbled figures read as unknown, hostile text is cleaned, an unknown backend is an error', () => {
    const parse = createLineParser(header());
    const ts = new Date(T0).toISOString();
    const got = parse(JSON.stringify({ type: 'load', ts, backend: 'b', running: -1, waiting: 'lots', kv_cache: 7, slots: { busy: 1 }, loaded_models: [{ name: 'evil\u001b]0;pwned\u0007' }, 5], sources: ['metrics', 'bogus'], error: { kind: 'nope', message: 'x' } }));
    expect(got.ok && got.value.type === 'load' && got.value.reading).toEqual({
      backend: 'b',
      at: T0,
      figures: { running: null, waiting: null, kvCache: null, slots: null, loadedModels: [{ name: 'evil', sizeBytes: null, vramBytes: null, expiresAt: null }] },
      sources: ['metrics'],
      error: null,
    });
    expect(parse(JSON.stringify({ type: 'load', ts, backend: 'zz' })).ok).toBe(false);
  });

  it('a replay shows the load as recorded; a recording without load lines still replays (load null)', async () => {
    const withLoad = createReplayEngine(await openRecording(file([headerLine, probe('a', 500), JSON.stringify(loadLineJson(reading)), probe('b', 1_500)])), { speed: 'max' });
    withLoad.monitor.start();
    await withLoad.done;
    withLoad.store.flush();
    const a = fleetJson(withLoad.store.getSnapshot(), 0).backends.find((b) => b.name === 'a')!;
    expect(a.load).toEqual({
      running: 3,
      waiting: 7,
      kv_cache: 0.91,
      slots: { busy: 2, total: 4 },
      loaded_models: [
        { name: 'qwen3:14b', size_bytes: 100, vram_bytes: 60, expires_at: new Date(T0 + 300_000).toISOString() },
        { name: 'x', size_bytes: null, vram_bytes: null, expires_at: null },
      ],
      router_pending: null,
      sources: ['slots', 'metrics'],
      at: new Date(T0 + 1_000).toISOString(),
      error: null,
    });
    // The load event is derived again from the reading, as live.
    expect(withLoad.store.getSnapshot().events.filter((e) => e.type === 'load')).toHaveLength(1);
    await withLoad.close();

    const old = createReplayEngine(await openRecording(file([headerLine, probe('a', 500), probe('b', 1_500)])), { speed: 'max' });
    old.monitor.start();
    await old.done;
    old.store.flush();
    expect(old.store.getSnapshot().summary.healthy).toBe(2);
    expect(fleetJson(old.store.getSnapshot(), 0).backends.map((b) => b.load)).toEqual([null, null]);
    await old.close();
  });

  it('a live engine records its load readings; their replay has the same --json load', async () => {
    const server = await startLoopback((req, res) => sendWire(res, loadWire(req.url === '/metrics' ? 'vllm/metrics.http' : 'vllm/v1_models.http')));
    try {
      const live = configOf(['gpu']);
      live.backends[0] = { ...live.backends[0]!, url: server.url, type: 'vllm' };
      const engine = createEngine(live, { now: () => Date.now(), setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) }, {});
      const path = join(dir, `live${++n}.ndjson`);
      const recorder = createRecorder(openRecordFile(path), path, engine.store, live, { version: 'test', now: Date.now, onError: (m) => { throw new Error(m); } });
      await engine.monitor.checkNow();
      engine.store.flush();
      const liveLoad = fleetJson(engine.store.getSnapshot(), 0).backends[0]!.load;
      await engine.close();
      await recorder.close();
      expect(readFileSync(path, 'utf8')).toMatch(/"type":"load"/);
      const replay = createReplayEngine(await openRecording(path), { speed: 'max' });
      replay.monitor.start();
      await replay.done;
      replay.store.flush();
      expect(liveLoad?.running).toBe(12);
      expect(fleetJson(replay.store.getSnapshot(), 0).backends[0]!.load).toEqual(liveLoad);
      await replay.close();
    } finally {
      await server.close();
    }
  });
});
