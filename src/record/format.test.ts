import { describe, expect, it } from 'vitest';
import { backend, configOf } from '../../test/helpers/fleet.js';
import type { Config } from '../config/types.js';
import type { ProbeResult } from '../core/outcome.js';
import type { GpuState } from '../gpu/state.js';
import { createLineParser, gpuLineJson, headerJson, parseHeader, probeJson, recordedEventJson, type RecordedLine, type RecordingHeader } from './format.js';

const T0 = Date.UTC(2026, 10, 24, 10, 0, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();

function fleet(): Config {
  const config = configOf(['a', 'b'], { health: { intervalMs: 2000, failureThreshold: 4 }, top: { flapWindow: 11 } });
  config.backends = [
    backend('a', { url: 'http://user:s3cret@gpu1:11434', apiKeyEnv: 'GPU_KEY', zone: 'eu', tier: 2, type: 'ollama' }),
    backend('b', { url: 'https://api.example.com/v1?api_key=abcdef123', priority: 10 }),
  ];
  return config;
}

const header = (config = fleet(), drained: string[] = []): string => JSON.stringify(headerJson(config, { version: '9.9.9', recordedAt: T0, drained }));

function parsedHeader(text = header()): RecordingHeader {
  const h = parseHeader(text);
  if (!h.ok) throw new Error(h.error);
  return h.value;
}

const probeLine = (extra: Record<string, unknown>): string =>
  JSON.stringify({ type: 'probe', ts: iso(T0 + 1000), started_at: iso(T0 + 990), backend: 'a', outcome: 'ok', latency_ms: 10, ...extra });

function ok(text: string, parse: (t: string) => ReturnType<ReturnType<typeof createLineParser>>): RecordedLine {
  const r = parse(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('recording header', () => {
  it('carries the settings that decide the state, and no secret: no URL password, no API key value', () => {
    const h = headerJson(fleet(), { version: '9.9.9', recordedAt: T0, drained: ['b'] });
    const text = JSON.stringify(h);
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('abcdef123');
    expect(h).toMatchObject({ type: 'header', format: 'nexus-top-recording', version: 1, nexus_top: '9.9.9', recorded_at: iso(T0), drained: ['b'] });
    expect(h.config.health_check).toEqual({ enabled: true, interval_ms: 2000, timeout_ms: 5000, failure_threshold: 4, recovery_threshold: 2 });
    expect(h.config.top.flap_window).toBe(11);
    expect(h.config.backends[0]).toEqual({ name: 'a', type: 'ollama', url: 'http://user@gpu1:11434', priority: 50, zone: 'eu', tier: 2, api_key_env: 'GPU_KEY', tls_verify: true });
  });

  it('reads back into the same config (URLs as displayed)', () => {
    const h = parsedHeader(header(fleet(), ['a']));
    const config = fleet();
    expect(h.recordedAt).toBe(T0);
    expect(h.drained).toEqual(['a']);
    expect(h.nexusTop).toBe('9.9.9');
    expect(h.config.health).toEqual(config.health);
    expect(h.config.top).toEqual(config.top);
    expect(h.config.backends.map((b) => [b.name, b.type, b.url, b.priority, b.zone, b.tier, b.apiKeyEnv])).toEqual([
      ['a', 'ollama', 'http://user@gpu1:11434', 50, 'eu', 2, 'GPU_KEY'],
      ['b', 'generic', 'https://api.example.com/v1?api_key=***', 10, undefined, undefined, undefined],
    ]);
  });

  it('keeps the status view of flapping (changes, window), and reads a recording made before it with the defaults', () => {
    const config = configOf(['a'], { top: { flapChanges: 6, flapWindowMs: 90_000 } });
    const h = parsedHeader(header(config));
    expect(h.config.top).toMatchObject({ flapChanges: 6, flapWindowMs: 90_000 });
    // The default window is written as null: it follows the interval on replay as it did live.
    expect(parsedHeader(header(configOf(['a']))).config.top).toMatchObject({ flapChanges: 4, flapWindowMs: null });
    const old = JSON.parse(header(config)) as { config: { top: Record<string, unknown> } };
    delete old.config.top['flap_changes'];
    delete old.config.top['flap_window_ms'];
    expect(parsedHeader(JSON.stringify(old)).config.top).toMatchObject({ flapChanges: 4, flapWindowMs: null });
  });

  it('keeps each backend\'s tcp or command check (the command as shown, secrets masked), and reads a recording made before checks', () => {
    const config = configOf(['a', 'b', 'c'], { top: { commandConcurrency: 2 } });
    config.backends[0]!.check = { kind: 'tcp', also: false };
    config.backends[1]!.check = { kind: 'command', also: true, argv: ['./check.sh', '${url}', '--token=abc123secret'], cwd: '/etc/nexus' };
    const text = header(config);
    expect(text).not.toContain('abc123secret');
    const h = parsedHeader(text);
    expect(h.config.top.commandConcurrency).toBe(2);
    expect(h.config.backends.map((b) => b.check)).toEqual([
      { kind: 'tcp', also: false },
      { kind: 'command', also: true, argv: ['./check.sh', '${url}', '--token=***'], cwd: '' },
      undefined,
    ]);
    const old = JSON.parse(text) as { config: { top: Record<string, unknown>; backends: Record<string, unknown>[] } };
    delete old.config.top['command_concurrency'];
    for (const b of old.config.backends) delete b['check'];
    const before = parsedHeader(JSON.stringify(old));
    expect(before.config.top.commandConcurrency).toBe(4);
    expect(before.config.backends.map((b) => b.check)).toEqual([undefined, undefined, undefined]);
    old.config.backends[0]!['check'] = { kind: 'ping' };
    expect(parseHeader(JSON.stringify(old))).toEqual({ ok: false, error: `header: config.backends[0].check: 'kind' must be "tcp" or "command"` });
  });

  it('reads a failure of kind command back', () => {
    const parse = createLineParser(parsedHeader());
    expect(ok(probeLine({ outcome: 'failure', kind: 'command', message: 'exit 3: not ready' }), parse)).toMatchObject({ type: 'probe', result: { outcome: 'failure', kind: 'command', message: 'exit 3: not ready' } });
  });

  it('says what is wrong with a first line that is not a usable header', () => {
    const bad = (text: string): string => {
      const r = parseHeader(text);
      if (r.ok) throw new Error('accepted');
      return r.error;
    };
    expect(bad('garbage')).toMatch(/not a nexus-top recording/);
    expect(bad(probeLine({}))).toMatch(/not a nexus-top recording/);
    expect(bad('{"type":"header","format":"something-else","version":1}')).toMatch(/not a nexus-top recording/);
    const h = JSON.parse(header()) as Record<string, any>;
    expect(bad(JSON.stringify({ ...h, version: 2 }))).toMatch(/version 2 is newer than this nexus-top reads \(1\)/);
    expect(bad(JSON.stringify({ ...h, recorded_at: 'yesterday' }))).toMatch(/'recorded_at' must be an ISO-8601 time/);
    expect(bad(JSON.stringify({ ...h, config: { ...h.config, health_check: { ...h.config.health_check, failure_threshold: 0 } } }))).toMatch(
      /failure_threshold/,
    );
    expect(bad(JSON.stringify({ ...h, config: { ...h.config, backends: [h.config.backends[0], h.config.backends[0]] } }))).toMatch(/appears twice/);
    expect(bad(JSON.stringify({ ...h, config: { ...h.config, backends: [{ ...h.config.backends[0], type: 'tgi' }] } }))).toMatch(/unknown 'type'/);
    expect(bad(JSON.stringify({ ...h, config: { ...h.config, backends: [{ ...h.config.backends[0], name: 'x\u001b[2J' }] } }))).toMatch(/backend name/);
  });
});

describe('probe lines', () => {
  const result = (extra: Partial<ProbeResult> & Pick<ProbeResult, 'outcome'>): ProbeResult =>
    ({ backend: 'a', startedAt: T0 + 990, finishedAt: T0 + 1000, latencyMs: 10.3, ...extra }) as ProbeResult;

  it('write times as ISO, the outcome, kind and message, and models only when they changed (null: not listed)', () => {
    expect(probeJson(result({ outcome: 'ok', models: ['m1', 'm2'] }), undefined)).toEqual({
      type: 'probe',
      ts: iso(T0 + 1000),
      started_at: iso(T0 + 990),
      backend: 'a',
      outcome: 'ok',
      latency_ms: 10.3,
      models: ['m1', 'm2'],
    });
    expect(probeJson(result({ outcome: 'ok', models: ['m1', 'm2'] }), ['m1', 'm2'])).not.toHaveProperty('models');
    expect(probeJson(result({ outcome: 'ok', models: ['m2', 'm1'] }), ['m1', 'm2'])).toHaveProperty('models', ['m2', 'm1']);
    expect(probeJson(result({ outcome: 'ok', models: null }), ['m1'])).toHaveProperty('models', null);
    expect(probeJson(result({ outcome: 'failure', kind: 'http', message: 'HTTP 502', status: 502 }), undefined)).toEqual({
      type: 'probe',
      ts: iso(T0 + 1000),
      started_at: iso(T0 + 990),
      backend: 'a',
      outcome: 'failure',
      kind: 'http',
      message: 'HTTP 502',
      http_status: 502,
      latency_ms: 10.3,
    });
    expect(probeJson(result({ outcome: 'loading', message: 'Loading model' }), undefined)).toMatchObject({ outcome: 'loading', message: 'Loading model' });
  });

  it('read back into the probe result; a line without models means the last list of that backend', () => {
    const parse = createLineParser(parsedHeader());
    expect(ok(probeLine({ models: ['m1'] }), parse)).toEqual({
      type: 'probe',
      ts: T0 + 1000,
      result: { backend: 'a', startedAt: T0 + 990, finishedAt: T0 + 1000, latencyMs: 10, outcome: 'ok', models: ['m1'] },
    });
    expect(ok(probeLine({}), parse)).toMatchObject({ result: { models: ['m1'] } });
    expect(ok(probeLine({ models: null }), parse)).toMatchObject({ result: { models: null } });
    // null does not forget the list: the next unchanged one is still m1.
    expect(ok(probeLine({}), parse)).toMatchObject({ result: { models: ['m1'] } });
    // Per backend.
    expect(ok(probeLine({ backend: 'b' }), parse)).toMatchObject({ result: { backend: 'b', models: null } });
    expect(ok(probeLine({ outcome: 'failure', kind: 'timeout', message: 'no answer' }), parse)).toMatchObject({
      result: { outcome: 'failure', kind: 'timeout', message: 'no answer' },
    });
    expect(ok(probeLine({ outcome: 'loading', message: 'Loading model' }), parse)).toMatchObject({ result: { outcome: 'loading', message: 'Loading model' } });
  });

  it('round-trips what the recorder writes', () => {
    const parse = createLineParser(parsedHeader());
    const results: ProbeResult[] = [
      result({ outcome: 'ok', models: ['x', 'y'] }),
      result({ outcome: 'ok', models: ['x', 'y'], finishedAt: T0 + 2000 }),
      result({ outcome: 'failure', kind: 'connection', message: 'connection refused', finishedAt: T0 + 3000 }),
      result({ outcome: 'ok', models: null, finishedAt: T0 + 4000 }),
      result({ outcome: 'ok', models: ['y'], finishedAt: T0 + 5000 }),
    ];
    let last: readonly string[] | undefined;
    for (const r of results) {
      const line = JSON.stringify(probeJson(r, last));
      if (r.outcome === 'ok' && r.models) last = r.models;
      expect(ok(line, parse)).toEqual({ type: 'probe', ts: r.finishedAt, result: r });
    }
  });

  it('strips control characters and escape sequences from strings in the file (anyone can write one)', () => {
    const parse = createLineParser(parsedHeader());
    const line = ok(probeLine({ outcome: 'failure', kind: 'http', message: 'bad\u001b]0;pwned\u0007\u001b[31m red' }), parse);
    expect(line).toMatchObject({ result: { message: 'bad red' } });
    expect(ok(probeLine({ models: ['m\u001b[2Jx'] }), parse)).toMatchObject({ result: { models: ['mx'] } });
  });

  it('says what is wrong with a bad line', () => {
    const parse = createLineParser(parsedHeader());
    const bad = (text: string): string => {
      const r = parse(text);
      if (r.ok) throw new Error(`accepted ${text}`);
      return r.error;
    };
    expect(bad(probeLine({}).slice(0, 40))).toMatch(/not a JSON object \(the line is cut short or garbled\)/);
    expect(bad('[1,2]')).toMatch(/not a JSON object/);
    expect(bad('{"ts":"2026-11-24T10:00:00Z"}')).toMatch(/without a 'type'/);
    expect(bad(probeLine({ backend: 'zz' }))).toBe('probe for backend "zz", which the header does not list');
    expect(bad(probeLine({ outcome: 'maybe' }))).toMatch(/'outcome' must be ok, loading or failure/);
    expect(bad(probeLine({ ts: 'soon' }))).toMatch(/'ts' must be an ISO-8601 time/);
    expect(bad(probeLine({ latency_ms: -1 }))).toMatch(/'latency_ms'/);
    expect(bad(probeLine({ outcome: 'failure', kind: 'gremlins', message: 'x' }))).toMatch(/'kind' must be one of/);
    expect(bad(probeLine({ models: [1, 2] }))).toMatch(/'models'/);
    expect(bad(header())).toMatch(/second recording header/);
    expect(bad('{"ts":"2026-11-24T10:00:00Z","type":"drain","backend":"nope"}')).toMatch(/does not list/);
  });

  it('skips blank lines and lines of a type it does not know (a later version may add some)', () => {
    const parse = createLineParser(parsedHeader());
    expect(ok('', parse)).toEqual({ type: 'skip' });
    expect(ok('{"type":"annotation","ts":"2026-11-24T10:00:00Z","text":"deploy"}', parse)).toEqual({ type: 'skip' });
    expect(ok('{"type":"status","ts":"2026-11-24T10:00:00Z"}', parse)).toEqual({ type: 'skip' });
  });
});

describe('operator actions in a recording', () => {
  it('are written in the --events shape, and only the ones a replay must redo', () => {
    expect(recordedEventJson({ ts: T0, type: 'drain', backend: 'a' })).toEqual({ ts: iso(T0), type: 'drain', backend: 'a' });
    expect(recordedEventJson({ ts: T0, type: 'interval', from_ms: 2000, to_ms: 5000 })).toEqual({ ts: iso(T0), type: 'interval', from_ms: 2000, to_ms: 5000 });
    expect(recordedEventJson({ ts: T0, type: 'pause' })).toEqual({ ts: iso(T0), type: 'pause' });
    expect(recordedEventJson({ ts: T0, type: 'status', backend: 'a', from: 'unknown', to: 'healthy' })).toBeNull();
    expect(recordedEventJson({ ts: T0, type: 'flap_start', backend: 'a', score: 40, changes: 4 })).toBeNull();
  });

  it('are read back', () => {
    const parse = createLineParser(parsedHeader());
    for (const e of [
      { ts: T0, type: 'drain', backend: 'a' },
      { ts: T0, type: 'undrain', backend: 'b' },
      { ts: T0, type: 'pause' },
      { ts: T0, type: 'resume' },
    ] as const) {
      expect(ok(JSON.stringify(recordedEventJson(e)), parse)).toEqual(e);
    }
    expect(ok(JSON.stringify(recordedEventJson({ ts: T0, type: 'interval', from_ms: 2000, to_ms: 5000 })), parse)).toEqual({ type: 'interval', ts: T0, toMs: 5000 });
  });
});

describe('GPU readings in a recording', () => {
  const state: GpuState = {
    tool: 'nvidia-smi',
    at: T0 + 2_000,
    gpusAt: T0 + 1_000,
    error: { kind: 'timeout', message: 'nvidia-smi did not answer within 5 s (killed)' },
    gpus: [
      {
        index: 0,
        uuid: 'GPU-a',
        name: 'NVIDIA H100',
        vendor: 'nvidia',
        utilization: 0.5,
        memoryUsedBytes: 10,
        memoryTotalBytes: 20,
        temperatureC: null,
        powerW: 100,
        powerLimitW: null,
        processes: [
          { pid: 7, name: 'python3', memoryBytes: 5, backend: 'a', unmapped: null },
          { pid: 8, name: 'VLLM::EngineCore', memoryBytes: 4, backend: null, unmapped: 'it listens on no configured backend’s port' },
        ],
      },
    ],
  };

  it('read back as they were written', () => {
    const parse = createLineParser(parsedHeader());
    expect(ok(JSON.stringify(gpuLineJson(state)), parse)).toEqual({ type: 'gpu', ts: T0 + 2_000, state });
  });

  it('a file anyone can write: names made safe, a backend the header does not list is no backend, bad numbers refused', () => {
    const parse = createLineParser(parsedHeader());
    const line = gpuLineJson(state);
    line.gpus![0]!.name = 'evil\u001b]0;pwned\u0007';
    line.gpus![0]!.processes[0]!.backend = 'zz';
    const read = ok(JSON.stringify(line), parse) as { state: GpuState };
    expect(read.state.gpus![0]!.name).toBe('evil');
    expect(read.state.gpus![0]!.processes[0]).toMatchObject({ backend: null, unmapped: 'not mapped' });
    const bad = { ...gpuLineJson(state), gpus: [{ ...gpuLineJson(state).gpus![0]!, utilization: 'lots' }] };
    expect(createLineParser(parsedHeader())(JSON.stringify(bad))).toEqual({ ok: false, error: "gpu: 'utilization' must be a number or null" });
  });
});
