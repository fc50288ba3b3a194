import { describe, expect, it } from 'vitest';
import { fakeClock } from '../../test/helpers/fake-clock.js';
import { configOf } from '../../test/helpers/fleet.js';
import type { ProbeOutcome } from '../core/outcome.js';
import { createStore, type FleetStore } from '../store/store.js';
import type { FleetSnapshot } from '../store/types.js';
import { checkResult, checkUnknown, stateWord } from './check.js';
import { EXIT, exitCodeFor } from './exit-code.js';

const ok = (latencyMs: number): [ProbeOutcome, number] => [{ outcome: 'ok', models: ['m'] }, latencyMs];
const fail = (kind: 'timeout' | 'connection' | 'http' | 'dns'): [ProbeOutcome, number] => [{ outcome: 'failure', kind, message: `${kind} failure` }, 5];
const loading: [ProbeOutcome, number] = [{ outcome: 'loading', message: 'Loading model' }, 3];

/** A real store fed with probe results (the first result decides a backend's health). */
function fleet(results: Record<string, Array<[ProbeOutcome, number]>>, names = Object.keys(results)): { store: FleetStore; snapshot: () => FleetSnapshot } {
  const clock = fakeClock(1_700_000_000_000);
  const store = createStore(configOf(names), { clock });
  for (const [backend, list] of Object.entries(results)) {
    for (const [outcome, latencyMs] of list) {
      store.recordResult({ ...outcome, backend, startedAt: clock.now(), finishedAt: clock.now(), latencyMs });
    }
  }
  return {
    store,
    snapshot: () => {
      store.flush();
      return store.getSnapshot();
    },
  };
}

describe('--check line', () => {
  it('OK when every backend is healthy', () => {
    const { snapshot } = fleet({ gpu1: [ok(23)], gpu2: [ok(1.5)] });
    expect(checkResult(snapshot(), { timeoutMs: 5_000 })).toEqual({
      line:
        'NEXUS-TOP OK - 2/2 healthy | healthy=2;;;0;2 unhealthy=0;;;0;2 loading=0;;;0;2 unknown=0;;;0;2 draining=0;;;0;2 flapping=0;;;0;2' +
        ' latency_gpu1=0.023s;;;0;5 latency_gpu2=0.0015s;;;0;5',
      code: 0,
    });
  });

  it('WARNING naming the unhealthy backend and why', () => {
    const { snapshot } = fleet({ gpu1: [ok(10)], gpu2: [ok(10)], gpu3: [fail('timeout')], gpu4: [ok(10)], gpu5: [ok(10)] });
    const r = checkResult(snapshot());
    expect(r.code).toBe(EXIT.warning);
    expect(r.line).toMatch(/^NEXUS-TOP WARNING - 4\/5 healthy, 1 unhealthy \(gpu3: timeout\) \| healthy=4;;;0;5 unhealthy=1;;;0;5 /);
    // No timeout given: no max; never measured: U.
    expect(r.line).toContain(' latency_gpu1=0.01s;;;0 ');
    expect(r.line).toContain(' latency_gpu3=U;;;0 ');
  });

  it('CRITICAL when none is healthy', () => {
    const { snapshot } = fleet({ a: [fail('connection')], b: [fail('dns')] });
    const r = checkResult(snapshot());
    expect(r.code).toBe(EXIT.critical);
    expect(r.line.split(' | ')[0]).toBe('NEXUS-TOP CRITICAL - 0/2 healthy, 2 unhealthy (a: connection, b: dns)');
  });

  it('names at most a few backends, then +N more; later groups get their count only', () => {
    const results: Record<string, Array<[ProbeOutcome, number]>> = { ok1: [ok(1)] };
    for (let i = 1; i <= 6; i++) results[`down${i}`] = [fail('http')];
    results.warming = [loading];
    const { snapshot } = fleet(results, [...Object.keys(results), 'never']);
    const text = checkResult(snapshot()).line.split(' | ')[0];
    expect(text).toBe('NEXUS-TOP WARNING - 1/9 healthy, 6 unhealthy (down1: http, down2: http, down3: http, +3 more), 1 loading, 1 unknown');
    const two = checkResult(snapshot(), { maxListed: 8 }).line.split(' | ')[0];
    expect(two).toBe(
      'NEXUS-TOP WARNING - 1/9 healthy, 6 unhealthy (down1: http, down2: http, down3: http, down4: http, down5: http, down6: http), 1 loading (warming), 1 unknown (never)',
    );
  });

  it('a flapping backend is a WARNING even while healthy (the --once rule), and is named', () => {
    // Up, down, up, down…: one failure at a time never reaches the threshold of 3, so it stays healthy.
    const flip = Array.from({ length: 21 }, (_, i) => (i % 2 === 0 ? ok(5) : fail('http')));
    const { snapshot } = fleet({ steady: [ok(2)], flaky: flip });
    const snap = snapshot();
    expect(snap.byName.get('flaky')).toMatchObject({ status: 'healthy', flapping: true });
    const r = checkResult(snap);
    expect(r.code).toBe(EXIT.warning);
    expect(r.line).toMatch(/^NEXUS-TOP WARNING - 2\/2 healthy, 1 flapping \(flaky\) \| .* flapping=1;;;0;2 /);
  });

  it('drained backends count for nothing but are shown', () => {
    const { store, snapshot } = fleet({ a: [ok(4)], b: [fail('timeout')] });
    store.setDrained('b', true);
    const r = checkResult(snapshot());
    expect(r.code).toBe(EXIT.ok);
    expect(r.line).toMatch(/^NEXUS-TOP OK - 1\/2 healthy, 1 draining \| healthy=1;;;0;2 unhealthy=0;;;0;2 loading=0;;;0;2 unknown=0;;;0;2 draining=1;;;0;2 /);
  });

  it('always returns exitCodeFor’s code, with its word', () => {
    const cases = [fleet({ a: [ok(1)] }), fleet({ a: [ok(1)], b: [loading] }), fleet({ a: [fail('dns')] }), fleet({ a: [loading] })];
    for (const { snapshot } of cases) {
      const snap = snapshot();
      const r = checkResult(snap);
      expect(r.code).toBe(exitCodeFor(snap));
      expect(r.line.startsWith(`NEXUS-TOP ${stateWord(r.code)} - `)).toBe(true);
    }
    expect([0, 1, 2, 3, 70].map(stateWord)).toEqual(['OK', 'WARNING', 'CRITICAL', 'UNKNOWN', 'UNKNOWN']);
  });

  it('keeps names from breaking the format: |, =, quotes, spaces, long names', () => {
    const long = 'x'.repeat(200);
    const { snapshot } = fleet({ 'gpu|1': [fail('timeout')], "rack a='b'": [ok(7)], [long]: [fail('http')], ok: [ok(1)] });
    const r = checkResult(snapshot());
    // Exactly one `|`: the one before the perfdata.
    expect(r.line.split('|')).toHaveLength(2);
    const [text, perf] = r.line.split(' | ') as [string, string];
    expect(text).toContain('gpu/1: timeout');
    expect(text).toContain(`${'x'.repeat(39)}…: http`);
    expect(perf).toContain(" 'latency_rack a__b_'=0.007s;;;0 ");
    expect(perf).toContain(' latency_gpu_1=U;;;0 ');
    expect(perf).toMatch(/ latency_x{51}…=U;;;0 /);
    // Every perfdata item is label=value;;;min[;max], labels with spaces quoted.
    for (const item of perf.match(/('[^']*'|\S+)=\S+/g)!) expect(item).toMatch(/^('[^'=]+'|[^\s'=]+)=(U|[\d.]+s?);;;0(;\d+)?$/);
    expect(r.line).not.toMatch(/\n/);
  });

  it('gives distinct labels to names that sanitize alike', () => {
    const { snapshot } = fleet({ 'a=b': [ok(1)], "a'b": [ok(2)] });
    const perf = checkResult(snapshot()).line.split(' | ')[1]!;
    expect(perf).toContain(' latency_a_b=0.001s;;;0');
    expect(perf).toContain(' latency_a_b-2=0.002s;;;0');
  });

  it('is bounded: per-backend perfdata stops at the byte limit, whole items only', () => {
    const results: Record<string, Array<[ProbeOutcome, number]>> = {};
    for (let i = 0; i < 500; i++) results[`backend-${String(i).padStart(3, '0')}`] = [i % 7 === 0 ? fail('timeout') : ok(12.5)];
    const { snapshot } = fleet(results);
    const r = checkResult(snapshot(), { timeoutMs: 2_500 });
    expect(Buffer.byteLength(r.line)).toBeLessThanOrEqual(4096);
    expect(r.line).toMatch(/^NEXUS-TOP WARNING - 428\/500 healthy, 72 unhealthy \(backend-000: timeout, backend-007: timeout, backend-014: timeout, \+69 more\) \| /);
    expect(r.line).toMatch(/ latency_backend-\d{3}=(U|0\.0125s);;;0;2\.5$/);
    const small = checkResult(snapshot(), { maxBytes: 600 });
    expect(Buffer.byteLength(small.line)).toBeLessThanOrEqual(600);
    expect(small.line).toContain('flapping=0;;;0;500');
  });

  it('checkUnknown: UNKNOWN, exit 3, one clean line', () => {
    expect(checkUnknown('nexus.toml:3: backends[0].url: must start with http:// | https://\n\u001b[2J')).toEqual({
      line: 'NEXUS-TOP UNKNOWN - nexus.toml:3: backends[0].url: must start with http:// / https://',
      code: 3,
    });
  });
});
