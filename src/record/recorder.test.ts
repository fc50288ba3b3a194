import { closeSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeClock } from '../../test/helpers/fake-clock.js';
import { configOf, loading, ok, refused, scripted } from '../../test/helpers/fleet.js';
import { createMonitor } from '../monitor/monitor.js';
import { fleetJson } from '../output/json.js';
import { eventJson } from '../output/events.js';
import { createStore } from '../store/store.js';
import type { FleetEvent } from '../store/types.js';
import { createRecorder, openRecordFile, RecordingError } from './recorder.js';
import { createReplayEngine, openRecording } from './replay.js';

let dir: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nexus-top-rec-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fresh = (): string => join(dir, `rec-${++n}.ndjson`);
const lines = (file: string): Array<Record<string, unknown>> =>
  readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('openRecordFile', () => {
  it('creates a new file, takes an empty one, refuses one that already holds something', () => {
    const a = fresh();
    closeSync(openRecordFile(a));
    closeSync(openRecordFile(a)); // exists, empty: fine
    writeFileSync(a, '{"type":"header"}\n');
    expect(() => openRecordFile(a)).toThrow(RecordingError);
    expect(() => openRecordFile(a)).toThrow(/already exists; a recording is never appended to or overwritten/);
    expect(readFileSync(a, 'utf8')).toBe('{"type":"header"}\n');
    expect(() => openRecordFile(join(dir, 'no-such-dir', 'x.ndjson'))).toThrow(/--record: .*no-such-dir.*: no such file or directory/);
  });
});

/**
 * A fleet on a fake clock, probed by a script, recorded; then the recording is replayed at max speed
 * and must reach the same state and the same event log.
 */
describe('record, then replay', () => {
  it('reproduces statuses, counts, flapping, models, latencies, drains, interval changes, pauses and every event', async () => {
    const clock = fakeClock(Date.UTC(2026, 10, 24, 10, 0, 0));
    const config = configOf(['steady', 'flappy', 'dies', 'loads'], { health: { intervalMs: 1000 }, top: { fastIntervalMs: 500 } });
    const store = createStore(config, { clock });
    store.setDrained('loads', true); // a remembered drain, in force before the recording starts
    const liveEvents: FleetEvent[] = [];
    store.onEvent((e) => liveEvents.push(e));
    const probe = scripted(
      clock,
      {
        steady: (i) => ok(i < 5 ? ['m1', 'm2'] : ['m2', 'm3']),
        flappy: (i) => (i % 2 === 0 ? ok(['f']) : refused),
        dies: (i) => (i < 3 ? ok(i === 1 ? null : ['d']) : refused),
        loads: (i) => (i < 4 ? loading : ok(['big'])),
      },
      7,
    );
    const monitor = createMonitor({ config, store, clock, probe: probe.probe, random: () => 0.5 });
    const file = fresh();
    const recorder = createRecorder(openRecordFile(file), file, store, config, { version: '1.2.3', now: clock.now, onError: (m) => expect.fail(m) });
    monitor.start();
    await clock.advance(8_000);
    monitor.setIntervalMs(2_000);
    await clock.advance(3_000);
    monitor.toggleDrain('steady');
    monitor.pause();
    await clock.advance(5_000);
    monitor.resume();
    monitor.setDrained('loads', false);
    await clock.advance(20_000);
    await monitor.stop();
    const live = store.getSnapshot();
    await recorder.close();

    expect(live.summary.flapping).toBe(1);
    expect(liveEvents.map((e) => e.type)).toEqual(expect.arrayContaining(['status', 'flap_start', 'interval', 'drain', 'undrain', 'pause', 'resume']));

    const written = lines(file);
    expect(written[0]).toMatchObject({ type: 'header', nexus_top: '1.2.3', drained: ['loads'] });
    const probes = written.filter((l) => l['type'] === 'probe');
    expect(probes.length).toBe(probe.calls.length);
    // Models only when they changed: 'steady' lists twice in all (m1,m2 then m2,m3).
    expect(probes.filter((l) => l['backend'] === 'steady' && 'models' in l).map((l) => l['models'])).toEqual([
      ['m1', 'm2'],
      ['m2', 'm3'],
    ]);
    expect(probes.filter((l) => l['backend'] === 'dies' && 'models' in l).map((l) => l['models'])).toEqual([['d'], null]);
    expect(written.filter((l) => l['type'] !== 'probe' && l['type'] !== 'header').map((l) => l['type'])).toEqual(['interval', 'drain', 'pause', 'resume', 'undrain']);

    const replay = createReplayEngine(await openRecording(file), { speed: 'max' });
    const replayed: FleetEvent[] = [];
    replay.store.onEvent((e) => replayed.push(e));
    replay.monitor.start();
    const end = await replay.done;
    expect(end).toEqual({ ended: true, lastLine: written.length });
    const snap = replay.store.getSnapshot();
    expect(fleetJson(snap, 0)).toEqual(fleetJson(live, 0));
    expect(snap.backends.map((b) => [b.status, b.drained, b.flapping, b.statusSince, b.history])).toEqual(
      live.backends.map((b) => [b.status, b.drained, b.flapping, b.statusSince, b.history]),
    );
    expect(snap.intervalMs).toBe(2_000);
    expect(snap.paused).toBe(false);
    // Every event after the recording started, with the same times.
    expect(replayed.map(eventJson)).toEqual(liveEvents.map(eventJson));
    // The time in the recording at its end is the last line's.
    expect(replay.clock.now()).toBe(Date.parse(String(written.at(-1)!['ts'])));
    expect(snap.at).toBe(replay.clock.now());
    expect(snap.replay).toEqual({ file, speed: 'max', paused: false, ended: true });
    await replay.close();
  });

  it('never writes a URL password or an API key value', async () => {
    const clock = fakeClock();
    const config = configOf(['a']);
    config.backends[0] = { ...config.backends[0]!, url: 'http://admin:hunter2-pw@127.0.0.1:1', apiKeyEnv: 'SECRET_KEY_VAR' };
    const store = createStore(config, { clock });
    const file = fresh();
    const recorder = createRecorder(openRecordFile(file), file, store, config, { version: '0', now: clock.now, onError: () => {} });
    store.recordResult({ backend: 'a', outcome: 'failure', kind: 'connection', message: 'connection refused', startedAt: 1, finishedAt: 2, latencyMs: 1 });
    await recorder.close();
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('hunter2-pw');
    expect(text).toContain('"api_key_env":"SECRET_KEY_VAR"');
    expect(text).toContain('http://admin@127.0.0.1:1');
  });
});
