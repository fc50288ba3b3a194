import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configOf } from '../../test/helpers/fleet.js';
import { startLoopback } from '../../test/helpers/loopback.js';
import type { GenerationResult } from '../core/load.js';
import type { ProbeResult } from '../core/outcome.js';
import { createEngine } from '../engine.js';
import { fleetJson } from '../output/json.js';
import { createLineParser, headerJson, parseHeader, probeJson, type RecordingHeader } from './format.js';
import { generationLineJson } from './generation-line.js';
import { createRecorder, openRecordFile } from './recorder.js';
import { createReplayEngine, openRecording } from './replay.js';

const T0 = Date.UTC(2026, 10, 24, 10, 0, 0);
let dir: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nexus-top-generation-lines-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = configOf(['a', 'b']);
const headerLine = JSON.stringify(headerJson(config, { version: 'test', recordedAt: T0, drained: [] }));
const header = (): RecordingHeader => {
  const h = parseHeader(headerLine);
  if (!h.ok) throw new Error(h.error);
  return h.value;
};
const failed = (at: number): GenerationResult => ({ backend: 'a', at: T0 + at, ok: false, model: 'm1', ttftMs: null, error: { kind: 'http', message: 'HTTP 500: CUDA error' }, skipped: null });
const probe = (backend: string, at: number): string => {
  const r: ProbeResult = { backend, outcome: 'ok', models: ['m1'], startedAt: T0 + at - 5, finishedAt: T0 + at, latencyMs: 5 };
  return JSON.stringify(probeJson(r, undefined));
};
function file(lines: string[]): string {
  const f = join(dir, `r${++n}.ndjson`);
  writeFileSync(f, `${lines.join('\n')}\n`);
  return f;
}

describe('generation lines in recordings', () => {
  it('round-trip: ok, failed and skipped results', () => {
    const parse = createLineParser(header());
    const ok: GenerationResult = { backend: 'a', at: T0 + 1_000, ok: true, model: 'm1', ttftMs: 12.5, error: null, skipped: null };
    const skipped: GenerationResult = { backend: 'b', at: T0 + 2_000, ok: false, model: null, ttftMs: null, error: null, skipped: 'no model loaded (the check never loads one)' };
    for (const r of [ok, failed(1_500), skipped]) expect(parse(JSON.stringify(generationLineJson(r)))).toEqual({ ok: true, value: { type: 'generation', ts: r.at, result: r } });
    expect(generationLineJson(ok)).toEqual({ type: 'generation', ts: new Date(T0 + 1_000).toISOString(), backend: 'a', ok: true, model: 'm1', ttft_ms: 12.5, error: null, skipped: null });
  });

  it('garbled lines: unknown fields read as unknown, hostile text is cleaned, an unknown backend is an error', () => {
    const parse = createLineParser(header());
    const ts = new Date(T0).toISOString();
    const got = parse(JSON.stringify({ type: 'generation', ts, backend: 'a', ok: 'yes', model: 'evil\u001b]0;pwned\u0007', ttft_ms: -4, error: { kind: 'nope' } }));
    expect(got.ok && got.value.type === 'generation' && got.value.result).toEqual({
      backend: 'a',
      at: T0,
      ok: false,
      model: 'evil',
      ttftMs: null,
      error: { kind: 'parse', message: 'generation failed (the recording does not say why)' },
      skipped: null,
    });
    expect(parse(JSON.stringify({ type: 'generation', ts, backend: 'zz' })).ok).toBe(false);
  });

  it('a replay turns the backend unhealthy as the run did (stage generate); a recording without generation lines replays as before', async () => {
    const lines = [headerLine, probe('a', 100), probe('b', 100)];
    for (let i = 1; i <= 3; i++) lines.push(probe('a', i * 1_000), JSON.stringify(generationLineJson(failed(i * 1_000 + 10))));
    // The first check succeeded, then three failed: unhealthy at the third (failure_threshold 3).
    lines.splice(3, 0, JSON.stringify(generationLineJson({ ...failed(500), ok: true, ttftMs: 9, error: null })));
    const replay = createReplayEngine(await openRecording(file(lines)), { speed: 'max' });
    replay.monitor.start();
    await replay.done;
    replay.store.flush();
    const a = fleetJson(replay.store.getSnapshot(), 0).backends.find((b) => b.name === 'a')!;
    expect(a.status).toBe('unhealthy');
    expect(a.last_error).toMatchObject({ kind: 'http', stage: 'generate', message: 'HTTP 500: CUDA error' });
    expect(a.generation).toEqual({ ok: false, model: 'm1', ttft_ms: null, at: new Date(T0 + 3_010).toISOString(), error: { kind: 'http', message: 'HTTP 500: CUDA error' }, skipped: null });
    await replay.close();

    const old = createReplayEngine(await openRecording(file([headerLine, probe('a', 500), probe('b', 1_500)])), { speed: 'max' });
    old.monitor.start();
    await old.done;
    old.store.flush();
    expect(old.store.getSnapshot().summary.healthy).toBe(2);
    expect(fleetJson(old.store.getSnapshot(), 0).backends.map((b) => b.generation)).toEqual([null, null]);
    await old.close();
  });

  it('a live engine records its generation checks; their replay has the same --json generation', async () => {
    const server = await startLoopback((req, res) => {
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(req.url === '/v1/models' ? { data: [{ id: 'm1' }] } : { choices: [{ text: 'x' }] }));
      });
    });
    try {
      const live = configOf(['gpu'], { top: { generateIntervalMs: 60_000 } });
      live.backends[0] = { ...live.backends[0]!, url: server.url, type: 'vllm' };
      const engine = createEngine(live, { now: () => Date.now(), setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) }, {});
      const path = join(dir, `live${++n}.ndjson`);
      const recorder = createRecorder(openRecordFile(path), path, engine.store, live, {
        version: 'test',
        now: Date.now,
        onError: (m) => {
          throw new Error(m);
        },
      });
      await engine.monitor.checkNow();
      engine.store.flush();
      const liveGeneration = fleetJson(engine.store.getSnapshot(), 0).backends[0]!.generation;
      await engine.close();
      await recorder.close();
      expect(readFileSync(path, 'utf8')).toMatch(/"type":"generation"/);
      const replay = createReplayEngine(await openRecording(path), { speed: 'max' });
      replay.monitor.start();
      await replay.done;
      replay.store.flush();
      expect(liveGeneration?.ok).toBe(true);
      expect(fleetJson(replay.store.getSnapshot(), 0).backends[0]!.generation).toEqual(liveGeneration);
      await replay.close();
    } finally {
      await server.close();
    }
  });
});
