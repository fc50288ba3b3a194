import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configOf } from '../../test/helpers/fleet.js';
import type { ProbeResult } from '../core/outcome.js';
import { headerJson, probeJson } from './format.js';
import { RecordingError } from './recorder.js';
import { createReplayEngine, openRecording } from './replay.js';

const T0 = Date.UTC(2026, 10, 24, 10, 0, 0);
let dir: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nexus-top-replay-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = configOf(['a', 'b'], { health: { failureThreshold: 1, recoveryThreshold: 1 } });
const header = JSON.stringify(headerJson(config, { version: 'test', recordedAt: T0, drained: [] }));
const probe = (backend: string, at: number, up: boolean): string => {
  const r: ProbeResult = up
    ? { backend, outcome: 'ok', models: ['m'], startedAt: T0 + at - 5, finishedAt: T0 + at, latencyMs: 5 }
    : { backend, outcome: 'failure', kind: 'connection', message: 'connection refused', startedAt: T0 + at - 5, finishedAt: T0 + at, latencyMs: 5 };
  return JSON.stringify(probeJson(r, undefined));
};

function write(lines: string[], end = '\n'): string {
  const file = join(dir, `r${++n}.ndjson`);
  writeFileSync(file, lines.join('\n') + end);
  return file;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('replay on a virtual clock', () => {
  // a up at 0, b down at 100, a down at 400, b up at 600 (ms into the recording).
  const timeline = (): string => write([header, probe('a', 0, true), probe('b', 100, false), probe('a', 400, false), probe('b', 600, true)]);

  it('--speed max does not wait; --speed 1 takes the recorded time; --speed 4 a quarter of it', async () => {
    const timed = async (speed: number | 'max'): Promise<number> => {
      const engine = createReplayEngine(await openRecording(timeline()), { speed });
      const t = performance.now();
      engine.monitor.start();
      await engine.done;
      const took = performance.now() - t;
      expect(engine.store.getSnapshot().summary).toMatchObject({ healthy: 1, unhealthy: 1 });
      await engine.close();
      return took;
    };
    expect(await timed('max')).toBeLessThan(150);
    const one = await timed(1);
    expect(one).toBeGreaterThanOrEqual(590);
    expect(one).toBeLessThan(1_500);
    const four = await timed(4);
    expect(four).toBeGreaterThanOrEqual(140);
    expect(four).toBeLessThan(450);
  });

  it('the store lives in recording time: snapshot.at, status_since and event ts are the recorded ones', async () => {
    const engine = createReplayEngine(await openRecording(timeline()), { speed: 1 });
    const events: number[] = [];
    engine.store.onEvent((e) => events.push(e.ts - T0));
    expect(engine.clock.now()).toBe(T0); // before it starts: the header's recorded_at
    engine.monitor.start();
    await sleep(250);
    // Between lines, recording time runs (about 250 ms in) but never past the next line (400).
    const mid = engine.clock.now() - T0;
    expect(mid).toBeGreaterThan(150);
    expect(mid).toBeLessThanOrEqual(400);
    engine.store.tick();
    const at = engine.store.getSnapshot().at - T0;
    expect(at).toBeGreaterThanOrEqual(mid);
    expect(at).toBeLessThanOrEqual(400);
    await engine.done;
    expect(engine.clock.now()).toBe(T0 + 600);
    expect(events).toEqual([0, 100, 400, 600]);
    expect(engine.store.getSnapshot().byName.get('a')!.statusSince).toBe(T0 + 400);
    await engine.close();
  });

  it('pause stops the replay and its clock; resume goes on from there', async () => {
    const engine = createReplayEngine(await openRecording(timeline()), { speed: 1 });
    engine.monitor.start();
    await sleep(150);
    engine.monitor.pause();
    const frozen = engine.clock.now();
    expect(engine.replayState()).toMatchObject({ paused: true, ended: false });
    await sleep(700); // longer than the whole recording
    expect(engine.clock.now()).toBe(frozen);
    expect(engine.store.current('a')!.health).toBe('healthy'); // a's failure at 400 not replayed yet
    // The replay's pause is not the recorded operator's: nothing enters the event log, snapshot.paused stays.
    engine.store.flush();
    expect(engine.store.getSnapshot().paused).toBe(false);
    expect(engine.store.getSnapshot().replay).toMatchObject({ paused: true });
    expect(engine.store.getSnapshot().events.some((e) => e.type === 'pause')).toBe(false);
    engine.monitor.resume();
    expect(engine.replayState().paused).toBe(false);
    const t = performance.now();
    await engine.done;
    // What was left: from ~150 to 600.
    expect(performance.now() - t).toBeGreaterThanOrEqual(350);
    expect(engine.store.current('a')!.health).toBe('unhealthy');
    expect(engine.replayState()).toEqual({ file: expect.any(String), speed: 1, paused: false, ended: true });
    await engine.close();
  });

  it('stop() ends a replay early; done says it did not end', async () => {
    const engine = createReplayEngine(await openRecording(timeline()), { speed: 1 });
    engine.monitor.start();
    await sleep(50);
    await engine.close();
    expect(await engine.done).toEqual({ ended: false, lastLine: 2 });
  });

  it('drains in the replay go to its store only; checkNow and setIntervalMs do nothing', async () => {
    const engine = createReplayEngine(await openRecording(timeline()), { speed: 'max' });
    engine.monitor.toggleDrain('b');
    engine.monitor.setIntervalMs(1);
    await engine.monitor.checkNow();
    engine.monitor.start();
    await engine.done;
    const b = engine.store.current('b')!;
    expect([b.status, b.health]).toEqual(['draining', 'healthy']);
    expect(engine.store.getSnapshot().intervalMs).toBe(config.health.intervalMs);
    await engine.close();
  });
});

describe('bad recordings', () => {
  it('a last line cut short: replays up to the line before and says where it stopped', async () => {
    const cut = probe('a', 400, false).slice(0, 30);
    const file = write([header, probe('a', 0, true), probe('b', 100, false), cut], '');
    const engine = createReplayEngine(await openRecording(file), { speed: 'max' });
    engine.monitor.start();
    const end = await engine.done;
    expect(end).toEqual({ ended: true, lastLine: 3, stoppedAt: `${file}:4: not a JSON object (the line is cut short or garbled)` });
    expect(engine.store.current('a')!.health).toBe('healthy');
    expect(engine.store.current('b')!.health).toBe('unhealthy');
    expect(engine.clock.now()).toBe(T0 + 100);
    expect(engine.store.getSnapshot().replay).toMatchObject({ ended: true, stoppedAt: `${file}:4: not a JSON object (the line is cut short or garbled)` });
    await engine.close();
  });

  it('a garbage line in the middle: stops there (what follows is not replayed)', async () => {
    const file = write([header, probe('a', 0, true), '\u0000\u0001garbage', probe('b', 100, false)]);
    const engine = createReplayEngine(await openRecording(file), { speed: 'max' });
    engine.monitor.start();
    expect(await engine.done).toMatchObject({ lastLine: 2, stoppedAt: `${file}:3: not a JSON object (the line is cut short or garbled)` });
    expect(engine.store.current('b')!.health).toBe('unknown');
    await engine.close();
  });

  it('a probe for a backend the header does not list is a bad line; an unknown type is skipped', async () => {
    const file = write([header, '{"type":"note","text":"hi"}', probe('a', 0, true), probe('zz', 50, true), probe('b', 100, true)]);
    const engine = createReplayEngine(await openRecording(file), { speed: 'max' });
    engine.monitor.start();
    expect(await engine.done).toEqual({ ended: true, lastLine: 3, stoppedAt: `${file}:4: probe for backend "zz", which the header does not list` });
    await engine.close();
  });

  it('a missing file, an empty one, a directory, or one without a header: RecordingError naming the file', async () => {
    const missing = join(dir, 'missing.ndjson');
    await expect(openRecording(missing)).rejects.toThrow(new RecordingError(`${missing}: no such file`));
    await expect(openRecording(write([], ''))).rejects.toThrow(/: empty file, not a nexus-top recording$/);
    await expect(openRecording(dir)).rejects.toThrow(/is a directory/);
    const noHeader = write([probe('a', 0, true)]);
    await expect(openRecording(noHeader)).rejects.toThrow(`${noHeader}:1: not a nexus-top recording (its first line must be the recording header)`);
  });
});
