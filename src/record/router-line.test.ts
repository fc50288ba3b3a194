import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeClock } from '../../test/helpers/fake-clock.js';
import { configOf } from '../../test/helpers/fleet.js';
import { wireHttpAnswer } from '../../test/helpers/wire.js';
import { parseRouterHealth, parseRouterStats, routerNotYetRead, routerViewOf } from '../backends/router.js';
import type { RouterView } from '../core/load.js';
import { fleetJson } from '../output/json.js';
import { createStore } from '../store/store.js';
import { createLineParser, headerJson, parseHeader } from './format.js';
import { createRecorder, openRecordFile } from './recorder.js';
import { createReplayEngine, openRecording } from './replay.js';
import { routerLineJson } from './router-line.js';

const T0 = Date.UTC(2026, 10, 24, 10, 0, 0);
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nexus-top-router-rec-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = configOf(['gpu-node-1', 'local'], { top: { routerUrl: 'http://nexus:8000' } });
const read = (at: number): RouterView => routerViewOf('http://nexus:8000', at, parseRouterStats(wireHttpAnswer('nexus/v1_stats.http')), parseRouterHealth(wireHttpAnswer('nexus/health.http')));
const down = (at: number): RouterView => ({ url: 'http://nexus:8000', at, error: { kind: 'connection', message: 'connection refused' }, health: null, backends: new Map() });

function parserFor() {
  const header = parseHeader(JSON.stringify(headerJson(config, { version: 't', recordedAt: T0, drained: [] })));
  if (!header.ok) throw new Error(header.error);
  return createLineParser(header.value);
}

describe('the router in a recording', () => {
  it('writes a line per read and reads it back as the same view', () => {
    const parse = parserFor();
    for (const view of [read(T0 + 1_000), down(T0 + 2_000)]) {
      expect(parse(JSON.stringify(routerLineJson(view)))).toEqual({ ok: true, value: { type: 'router', ts: view.at, view } });
    }
    expect(routerLineJson(routerNotYetRead('http://nexus:8000'))).toBeNull();
  });

  it('makes a hand-written line safe: strings cleaned, garbage figures unknown', () => {
    const parse = parserFor();
    const line = { type: 'router', ts: new Date(T0).toISOString(), url: 'http://n\u001b[2J', error: { kind: 'bogus', message: 'x\u0007y' }, health: { status: '\u001b]0;t\u0007ok', models: -1 }, backends: { 'a\u001b[31m': { pending: '3' }, b: 7 } };
    const r = parse(JSON.stringify(line));
    expect(r).toMatchObject({ ok: true, value: { view: { url: 'http://n', error: { kind: 'connection', message: 'xy' }, health: { status: 'ok', models: null } } } });
    const view = r.ok && r.value.type === 'router' ? r.value.view : null;
    expect([...(view?.backends ?? [])]).toEqual([['a', { pending: null, requests: null, averageLatencyMs: null }]]);
    expect(parse(JSON.stringify({ type: 'router', ts: 'never', url: 'x' }))).toEqual({ ok: false, error: "router: 'ts' must be an ISO-8601 time" });
  });

  it('replays to the same router view and router_pending as the live run', async () => {
    const clock = fakeClock(T0);
    const store = createStore(config, { clock });
    const file = join(dir, 'rec.ndjson');
    const recorder = createRecorder(openRecordFile(file), file, store, config, { version: 't', now: clock.now, onError: (m) => expect.fail(m) });
    store.setRouter(routerNotYetRead('http://nexus:8000'));
    await clock.advance(1_000);
    store.setRouter(read(clock.now()));
    await clock.advance(1_000);
    store.setRouter(down(clock.now()));
    await clock.advance(1_000);
    store.setRouter(read(clock.now()));
    store.flush();
    const live = store.getSnapshot();
    await recorder.close();
    const types = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types).toEqual(['header', 'router', 'router', 'router']);

    const replay = createReplayEngine(await openRecording(file), { speed: 'max' });
    replay.monitor.start();
    await replay.done;
    const snap = replay.store.getSnapshot();
    expect(fleetJson(snap, 0).router).toEqual(fleetJson(live, 0).router);
    expect(snap.byName.get('gpu-node-1')?.load).toMatchObject({ routerPending: 4, sources: ['router'] });
    await replay.close();
  });
});
