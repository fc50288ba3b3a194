/**
 * The recording file format (`--record FILE`, `--replay FILE`): NDJSON, one object per line.
 *
 *   line 1   {"type":"header","format":"nexus-top-recording","version":1,"nexus_top":"0.1.0",
 *             "recorded_at":ISO,"config":{…},"drained":[names]}
 *   then     {"type":"probe","ts":ISO,"started_at":ISO,"backend":…,"outcome":"ok|loading|failure",
 *             "kind"?,"message"?,"http_status"?,"latency_ms":…,"models"?}
 *            {"ts":ISO,"type":"drain|undrain","backend":…}, {"ts","type":"interval","from_ms","to_ms"},
 *            {"ts","type":"pause|resume"}   (the operator's actions, as `--events` prints them)
 *            {"type":"router","ts",…}        (each read of the Nexus router: src/record/router-line.ts)
 *            {"type":"load","ts":ISO,"backend":…,"running","waiting","kv_cache","slots","loaded_models",
 *             "sources","error"}   (each load reading, the `--json` load shape; absent from older recordings)
 *
 * `models` is written only when the list differs from the last one written for that backend, and is
 * `null` when the probe succeeded without listing them. The header's config never holds a secret:
 * URLs lose their password (displayUrl), and `api_key_env` is the variable's name, never its value.
 * Lines of a type this version does not know are skipped on replay (forward compatibility).
 *
 * Everything here is pure; src/record/recorder.ts writes, src/record/replay.ts reads.
 */
import { shownArg } from '../config/checks.js';
import { BACKEND_TYPES, DEFAULT_TOP, type BackendCheck, type BackendConfig, type BackendType, type Config, type HealthSettings, type TopSettings } from '../config/types.js';
import { eventJson } from '../output/events.js';
import { gpuJson } from '../output/json.js';
import { FAILURE_KINDS, type FailureKind, type ProbeResult } from '../core/outcome.js';
import type { GpuView } from '../gpu/sample.js';
import type { LoadedModel, LoadReading, LoadSource, SideError } from '../core/load.js';
import { loadJson } from '../output/load-json.js';
import type { GpuErrorKind, GpuState } from '../gpu/state.js';
import type { FleetEvent } from '../store/types.js';
import { displayUrl } from '../text/redact.js';
import { cleanText, MAX_MESSAGE, MAX_MODEL_ID } from '../text/sanitize.js';
import { parseRouterLine, type RouterLine } from './router-line.js';

export const RECORDING_FORMAT = 'nexus-top-recording';
export const RECORDING_VERSION = 1;
const MAX_NAME = 256;

/** Operator actions a replay must reproduce; status and flap events are derived from the probes. */
export const RECORDED_EVENT_TYPES = ['drain', 'undrain', 'interval', 'pause', 'resume'] as const;

// ---------------------------------------------------------------------------------------------
// Writing

export interface HeaderInfo {
  /** nexus-top's version. */
  version: string;
  recordedAt: number;
  /** Backends drained when the recording starts (remembered drains), so a replay starts the same. */
  drained: readonly string[];
}

export function headerJson(config: Config, info: HeaderInfo) {
  const h = config.health;
  const t = config.top;
  return {
    type: 'header',
    format: RECORDING_FORMAT,
    version: RECORDING_VERSION,
    nexus_top: info.version,
    recorded_at: new Date(info.recordedAt).toISOString(),
    config: {
      source: config.source,
      health_check: {
        enabled: h.enabled,
        interval_ms: h.intervalMs,
        timeout_ms: h.timeoutMs,
        failure_threshold: h.failureThreshold,
        recovery_threshold: h.recoveryThreshold,
      },
      top: {
        fast_interval_ms: t.fastIntervalMs,
        concurrency: t.concurrency,
        body_limit_bytes: t.bodyLimitBytes,
        history_size: t.historySize,
        flap_window: t.flapWindow,
        flap_low: t.flapLow,
        flap_high: t.flapHigh,
        flap_changes: t.flapChanges,
        // null: the default window, which follows the interval.
        flap_window_ms: t.flapWindowMs,
        command_concurrency: t.commandConcurrency,
        load: t.load,
        load_interval_ms: t.loadIntervalMs,
        generate_interval_ms: t.generateIntervalMs,
        generate_models: t.generateModels,
        router_url: t.routerUrl === null ? null : displayUrl(t.routerUrl),
        gpu: t.gpu,
        gpu_interval_ms: t.gpuIntervalMs,
      },
      backends: config.backends.map((b) => ({
        name: b.name,
        type: b.type,
        // Never the URL as written: it may carry a password.
        url: displayUrl(b.url),
        priority: b.priority,
        ...(b.zone !== undefined ? { zone: b.zone } : {}),
        ...(b.tier !== undefined ? { tier: b.tier } : {}),
        // The variable's name only; its value is a secret.
        ...(b.apiKeyEnv !== undefined ? { api_key_env: b.apiKeyEnv } : {}),
        tls_verify: b.tlsVerify,
        ...(b.check !== undefined ? { check: checkJson(b.check) } : {}),
      })),
    },
    drained: [...info.drained],
  };
}

/**
 * A backend's TCP or command check, for the replay's detail pane. The argv as shown on screen (secret-looking
 * values masked, as the URL's password is): a replay never runs it.
 */
function checkJson(check: BackendCheck) {
  return check.kind === 'tcp' ? { kind: 'tcp', also: check.also } : { kind: 'command', also: check.also, command: check.argv.map(shownArg) };
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * One probe line. `lastModels` is the list last written for this backend (undefined: none yet);
 * `models` is written only when it differs, or as `null` when the probe could not list them.
 */
export function probeJson(result: ProbeResult, lastModels: readonly string[] | undefined) {
  const base = {
    type: 'probe',
    ts: new Date(result.finishedAt).toISOString(),
    started_at: new Date(result.startedAt).toISOString(),
    backend: result.backend,
    outcome: result.outcome,
  };
  switch (result.outcome) {
    case 'ok': {
      const models = result.models === null ? { models: null } : lastModels && sameList(lastModels, result.models) ? {} : { models: [...result.models] };
      return { ...base, latency_ms: result.latencyMs, ...models };
    }
    case 'loading':
      return { ...base, message: result.message, latency_ms: result.latencyMs };
    case 'failure':
      return {
        ...base,
        kind: result.kind,
        message: result.message,
        ...(result.status !== undefined ? { http_status: result.status } : {}),
        latency_ms: result.latencyMs,
      };
  }
}

/** One GPU reading: the store's state in the `--json` shape, with each unmapped process's reason. */
export function gpuLineJson(state: GpuState) {
  return {
    type: 'gpu',
    ts: new Date(state.at).toISOString(),
    tool: state.tool,
    gpus_at: state.gpusAt === null ? null : new Date(state.gpusAt).toISOString(),
    error: state.error,
    gpus: state.gpus?.map((g) => gpuJson(g, true)) ?? null,
  };
}

/** One load reading, in the `--json` load shape (without the router's figure, which is not the backend's). */
export function loadLineJson(reading: LoadReading) {
  const { router_pending: _router, at: _at, ...load } = loadJson({ ...reading.figures, routerPending: null, sources: reading.sources, at: reading.at, error: reading.error })!;
  return { type: 'load', ts: new Date(reading.at).toISOString(), backend: reading.backend, ...load };
}

/** The operator actions that go into a recording (in the `--events` shape); null for the others. */
export function recordedEventJson(event: FleetEvent) {
  return (RECORDED_EVENT_TYPES as readonly string[]).includes(event.type) ? eventJson(event) : null;
}

// ---------------------------------------------------------------------------------------------
// Reading

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };
const fail = (error: string): { ok: false; error: string } => ({ ok: false, error });

export interface RecordingHeader {
  version: number;
  /** The nexus-top that wrote it, if it said. */
  nexusTop: string | null;
  recordedAt: number;
  /** Where the recorded config came from (as recorded); the replay's own `source` is set by the reader. */
  recordedSource: string | null;
  config: Omit<Config, 'source'>;
  drained: string[];
}

export type RecordedLine =
  | { type: 'probe'; ts: number; result: ProbeResult }
  | { type: 'drain' | 'undrain'; ts: number; backend: string }
  | { type: 'interval'; ts: number; toMs: number }
  | { type: 'pause' | 'resume'; ts: number }
  /** The box's GPUs as the GPU tool read them (written at each reading, replayed in order with the probes). */
  | { type: 'gpu'; ts: number; state: GpuState }
  /** A read of the Nexus router (src/record/router-line.ts). */
  | RouterLine
  /** A backend's load as it was read (replayed in order with the probes). */
  | { type: 'load'; ts: number; reading: LoadReading }
  /** A blank line, or a type this version does not know. */
  | { type: 'skip' };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON.parse that says what is wrong in words instead of throwing. */
function parseObject(text: string): Parsed<Obj> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('not a JSON object (the line is cut short or garbled)');
  }
  return isObj(value) ? { ok: true, value } : fail('not a JSON object');
}

class Bad extends Error {}

function time(o: Obj, key: string, what: string): number {
  const v = o[key];
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw new Bad(`${what}: '${key}' must be an ISO-8601 time`);
  return ms;
}

function num(o: Obj, key: string, what: string, check: (n: number) => boolean, rule: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) throw new Bad(`${what}: '${key}' must be ${rule}`);
  return v;
}
const positive = (n: number): boolean => n > 0;
const nonNegative = (n: number): boolean => n >= 0;
const intAtLeast = (min: number) => (n: number) => Number.isInteger(n) && n >= min;

function str(o: Obj, key: string, what: string, max = MAX_MESSAGE): string {
  const v = o[key];
  if (typeof v !== 'string') throw new Bad(`${what}: '${key}' must be a string`);
  // A recording is a file anyone can write: its strings are made safe again before they reach a screen.
  return cleanText(v, max);
}

function obj(o: Obj, key: string, what: string): Obj {
  const v = o[key];
  if (!isObj(v)) throw new Bad(`${what}: '${key}' must be an object`);
  return v;
}

function backendName(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.trim() === '' || v.length > MAX_NAME || cleanText(v, MAX_NAME) !== v) {
    throw new Bad(`${what}: a backend name must be a non-empty string of printable characters`);
  }
  return v;
}

function parseBackend(v: unknown, i: number): BackendConfig {
  const what = `header: config.backends[${i}]`;
  if (!isObj(v)) throw new Bad(`${what} must be an object`);
  const name = backendName(v['name'], what);
  const type = v['type'];
  if (typeof type !== 'string' || !(BACKEND_TYPES as readonly string[]).includes(type)) throw new Bad(`${what}: unknown 'type' ${JSON.stringify(type)}`);
  const b: BackendConfig = {
    name,
    type: type as BackendType,
    url: str(v, 'url', what, 8192),
    priority: num(v, 'priority', what, () => true, 'a number'),
    tlsVerify: v['tls_verify'] !== false,
  };
  if (v['zone'] !== undefined) b.zone = str(v, 'zone', what, MAX_NAME);
  if (v['tier'] !== undefined) b.tier = num(v, 'tier', what, Number.isInteger, 'an integer');
  if (v['api_key_env'] !== undefined) b.apiKeyEnv = str(v, 'api_key_env', what, MAX_NAME);
  // Recordings made before TCP and command checks have none: the HTTP probe.
  if (v['check'] !== undefined) b.check = parseCheck(obj(v, 'check', what), `${what}.check`);
  return b;
}

function parseCheck(c: Obj, what: string): BackendCheck {
  const kind = c['kind'];
  const also = c['also'] === true;
  if (kind === 'tcp') return { kind: 'tcp', also };
  if (kind !== 'command') throw new Bad(`${what}: 'kind' must be "tcp" or "command"`);
  const command = c['command'];
  if (!Array.isArray(command) || command.length === 0 || !command.every((a) => typeof a === 'string')) {
    throw new Bad(`${what}: 'command' must be a non-empty array of strings`);
  }
  // Shown, never run: the directory does not matter.
  return { kind: 'command', also, argv: command.map((a: string) => cleanText(a, MAX_MESSAGE)), cwd: '' };
}

/** The first line of a recording. */
export function parseHeader(text: string): Parsed<RecordingHeader> {
  const parsed = parseObject(text);
  if (!parsed.ok || parsed.value['type'] !== 'header' || parsed.value['format'] !== RECORDING_FORMAT) {
    return fail('not a nexus-top recording (its first line must be the recording header)');
  }
  const o = parsed.value;
  try {
    const version = num(o, 'version', 'header', intAtLeast(1), 'a whole number');
    if (version > RECORDING_VERSION) {
      return fail(`recording format version ${version} is newer than this nexus-top reads (${RECORDING_VERSION}); upgrade nexus-top`);
    }
    const recordedAt = time(o, 'recorded_at', 'header');
    const config = obj(o, 'config', 'header');
    const hc = obj(config, 'health_check', 'header: config');
    const what = 'header: config.health_check';
    const health: HealthSettings = {
      enabled: hc['enabled'] !== false,
      intervalMs: num(hc, 'interval_ms', what, positive, 'a number > 0'),
      timeoutMs: num(hc, 'timeout_ms', what, positive, 'a number > 0'),
      failureThreshold: num(hc, 'failure_threshold', what, intAtLeast(1), 'a whole number ≥ 1'),
      recoveryThreshold: num(hc, 'recovery_threshold', what, intAtLeast(1), 'a whole number ≥ 1'),
    };
    const tc = obj(config, 'top', 'header: config');
    const tw = 'header: config.top';
    const top: TopSettings = {
      fastIntervalMs: num(tc, 'fast_interval_ms', tw, positive, 'a number > 0'),
      concurrency: num(tc, 'concurrency', tw, intAtLeast(1), 'a whole number ≥ 1'),
      bodyLimitBytes: num(tc, 'body_limit_bytes', tw, intAtLeast(1), 'a whole number ≥ 1'),
      historySize: num(tc, 'history_size', tw, intAtLeast(1), 'a whole number ≥ 1'),
      flapWindow: num(tc, 'flap_window', tw, intAtLeast(1), 'a whole number ≥ 1'),
      flapLow: num(tc, 'flap_low', tw, nonNegative, 'a number ≥ 0'),
      flapHigh: num(tc, 'flap_high', tw, nonNegative, 'a number ≥ 0'),
      // Recordings made before the status view of flapping lack these two: the defaults then.
      flapChanges: tc['flap_changes'] === undefined ? DEFAULT_TOP.flapChanges : num(tc, 'flap_changes', tw, intAtLeast(2), 'a whole number ≥ 2'),
      flapWindowMs: tc['flap_window_ms'] === undefined || tc['flap_window_ms'] === null ? DEFAULT_TOP.flapWindowMs : num(tc, 'flap_window_ms', tw, positive, 'a number > 0'),
      // Recordings made before command checks lack it.
      commandConcurrency: tc['command_concurrency'] === undefined ? DEFAULT_TOP.commandConcurrency : num(tc, 'command_concurrency', tw, intAtLeast(1), 'a whole number ≥ 1'),
      // Recordings made before load, generation, router and GPU settings lack these: the defaults then.
      // A replay asks nothing of the network, so these only describe what the recorded run did.
      load: typeof tc['load'] === 'boolean' ? tc['load'] : DEFAULT_TOP.load,
      loadIntervalMs: tc['load_interval_ms'] === undefined || tc['load_interval_ms'] === null ? DEFAULT_TOP.loadIntervalMs : num(tc, 'load_interval_ms', tw, positive, 'a number > 0'),
      generateIntervalMs:
        tc['generate_interval_ms'] === undefined || tc['generate_interval_ms'] === null ? DEFAULT_TOP.generateIntervalMs : num(tc, 'generate_interval_ms', tw, positive, 'a number > 0'),
      generateModels: stringRecord(tc['generate_models']),
      routerUrl: typeof tc['router_url'] === 'string' ? tc['router_url'] : DEFAULT_TOP.routerUrl,
      gpu: typeof tc['gpu'] === 'boolean' ? tc['gpu'] : DEFAULT_TOP.gpu,
      gpuIntervalMs: tc['gpu_interval_ms'] === undefined ? DEFAULT_TOP.gpuIntervalMs : num(tc, 'gpu_interval_ms', tw, positive, 'a number > 0'),
    };
    const list = config['backends'];
    if (!Array.isArray(list)) throw new Bad("header: config: 'backends' must be an array");
    const backends = list.map(parseBackend);
    const names = new Set<string>();
    for (const b of backends) {
      if (names.has(b.name)) throw new Bad(`header: config.backends: the name '${b.name}' appears twice`);
      names.add(b.name);
    }
    const drainedRaw = o['drained'] ?? [];
    if (!Array.isArray(drainedRaw)) throw new Bad("header: 'drained' must be an array of backend names");
    const drained = drainedRaw.map((n) => backendName(n, 'header: drained'));
    return {
      ok: true,
      value: {
        version,
        nexusTop: typeof o['nexus_top'] === 'string' ? cleanText(o['nexus_top'], 64) : null,
        recordedAt,
        recordedSource: typeof config['source'] === 'string' ? cleanText(config['source'], 4096) : null,
        config: { health, top, backends },
        drained,
      },
    };
  } catch (err) {
    if (err instanceof Bad) return fail(err.message);
    throw err;
  }
}

/**
 * Parses the lines after the header, in order. Stateful: a probe line without `models` means "the
 * same list as the last one for this backend", so the parser remembers the lists it has seen.
 */
export function createLineParser(header: RecordingHeader): (text: string) => Parsed<RecordedLine> {
  const known = new Set(header.config.backends.map((b) => b.name));
  const lastModels = new Map<string, string[]>();

  const backendOf = (o: Obj, what: string): string => {
    const name = o['backend'];
    if (typeof name !== 'string') throw new Bad(`${what}: 'backend' must be a string`);
    if (!known.has(name)) throw new Bad(`${what} for backend ${JSON.stringify(cleanText(name, 80))}, which the header does not list`);
    return name;
  };

  const probe = (o: Obj): RecordedLine => {
    const backend = backendOf(o, 'probe');
    const finishedAt = time(o, 'ts', 'probe');
    const startedAt = time(o, 'started_at', 'probe');
    const latencyMs = num(o, 'latency_ms', 'probe', nonNegative, 'a number ≥ 0');
    const common = { backend, startedAt, finishedAt, latencyMs };
    switch (o['outcome']) {
      case 'ok': {
        const m = o['models'];
        let models: string[] | null;
        if (m === undefined) models = lastModels.get(backend) ?? null;
        else if (m === null) models = null;
        else if (Array.isArray(m) && m.every((x) => typeof x === 'string')) models = m.map((x: string) => cleanText(x, MAX_MODEL_ID));
        else throw new Bad("probe: 'models' must be an array of strings or null");
        if (m !== undefined && m !== null) lastModels.set(backend, models!);
        return { type: 'probe', ts: finishedAt, result: { ...common, outcome: 'ok', models } };
      }
      case 'loading':
        return { type: 'probe', ts: finishedAt, result: { ...common, outcome: 'loading', message: str(o, 'message', 'probe') } };
      case 'failure': {
        const kind = o['kind'];
        if (typeof kind !== 'string' || !(FAILURE_KINDS as readonly string[]).includes(kind)) {
          throw new Bad(`probe: 'kind' must be one of ${FAILURE_KINDS.join(', ')}`);
        }
        const status = o['http_status'];
        return {
          type: 'probe',
          ts: finishedAt,
          result: {
            ...common,
            outcome: 'failure',
            kind: kind as FailureKind,
            message: str(o, 'message', 'probe'),
            ...(typeof status === 'number' && Number.isInteger(status) ? { status } : {}),
          },
        };
      }
      default:
        throw new Bad("probe: 'outcome' must be ok, loading or failure");
    }
  };

  const gpuLine = (o: Obj): RecordedLine => {
    const ts = time(o, 'ts', 'gpu');
    const tool = o['tool'];
    if (tool !== 'nvidia-smi' && tool !== 'amd-smi' && tool !== 'rocm-smi') throw new Bad("gpu: 'tool' must be nvidia-smi, amd-smi or rocm-smi");
    const nullable = (v: Obj, key: string): number | null => {
      const x = v[key];
      if (x === null || x === undefined) return null;
      if (typeof x !== 'number' || !Number.isFinite(x)) throw new Bad(`gpu: '${key}' must be a number or null`);
      return x;
    };
    const text = (v: Obj, key: string, max: number): string | null => (typeof v[key] === 'string' ? cleanText(v[key], max) : null);
    const list = o['gpus'];
    if (list !== null && !Array.isArray(list)) throw new Bad("gpu: 'gpus' must be an array or null");
    const gpus = (list as unknown[] | null)?.map((g): GpuView => {
      if (!isObj(g) || !Array.isArray(g['processes'])) throw new Bad('gpu: each GPU must be an object with processes');
      return {
        index: num(g, 'index', 'gpu', intAtLeast(0), 'a whole number ≥ 0'),
        uuid: text(g, 'uuid', 128),
        name: text(g, 'name', MAX_MODEL_ID),
        vendor: g['vendor'] === 'amd' ? 'amd' : 'nvidia',
        utilization: nullable(g, 'utilization'),
        memoryUsedBytes: nullable(g, 'memory_used_bytes'),
        memoryTotalBytes: nullable(g, 'memory_total_bytes'),
        temperatureC: nullable(g, 'temperature_c'),
        powerW: nullable(g, 'power_w'),
        powerLimitW: nullable(g, 'power_limit_w'),
        processes: (g['processes'] as unknown[]).map((p) => {
          if (!isObj(p)) throw new Bad('gpu: each process must be an object');
          const backend = p['backend'];
          return {
            pid: num(p, 'pid', 'gpu', intAtLeast(1), 'a whole number ≥ 1'),
            name: text(p, 'name', MAX_MODEL_ID) ?? '',
            memoryBytes: nullable(p, 'memory_bytes'),
            // A backend the header does not list is one this replay cannot show: no backend then.
            backend: typeof backend === 'string' && known.has(backend) ? backend : null,
            unmapped: typeof backend === 'string' && known.has(backend) ? null : (text(p, 'unmapped', MAX_MESSAGE) ?? 'not mapped'),
          };
        }),
      };
    });
    const e = o['error'];
    const error = isObj(e) && typeof e['kind'] === 'string' && ['timeout', 'exit', 'garbage', 'spawn'].includes(e['kind']) ? { kind: e['kind'] as GpuErrorKind, message: str(e, 'message', 'gpu') } : null;
    const gpusAt = typeof o['gpus_at'] === 'string' ? time(o, 'gpus_at', 'gpu') : null;
    return { type: 'gpu', ts, state: { tool, at: ts, gpusAt, error, gpus: gpus ?? null } };
  };

  const LOAD_SOURCES: readonly LoadSource[] = ['metrics', 'slots', 'ps', 'models', 'router'];
  /** A load line: a figure that is not what it should be is unknown (null), as the live parsers would have it. */
  const loadLine = (o: Obj): RecordedLine => {
    const backend = backendOf(o, 'load');
    const ts = time(o, 'ts', 'load');
    const count = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null);
    const kv = typeof o['kv_cache'] === 'number' && o['kv_cache'] >= 0 && o['kv_cache'] <= 1 ? o['kv_cache'] : null;
    const slotsRaw = o['slots'];
    const busy = isObj(slotsRaw) ? count(slotsRaw['busy']) : null;
    const total = isObj(slotsRaw) ? count(slotsRaw['total']) : null;
    const list = o['loaded_models'];
    const loadedModels = Array.isArray(list)
      ? list.filter(isObj).flatMap((m): LoadedModel[] => {
          if (typeof m['name'] !== 'string') return [];
          const expires = typeof m['expires_at'] === 'string' ? Date.parse(m['expires_at']) : Number.NaN;
          return [{ name: cleanText(m['name'], MAX_MODEL_ID), sizeBytes: count(m['size_bytes']), vramBytes: count(m['vram_bytes']), expiresAt: Number.isFinite(expires) ? expires : null }];
        })
      : null;
    const sources = Array.isArray(o['sources']) ? [...new Set((o['sources'] as unknown[]).filter((x): x is LoadSource => LOAD_SOURCES.includes(x as LoadSource)))] : [];
    const e = o['error'];
    const error: SideError | null =
      isObj(e) && typeof e['kind'] === 'string' && (FAILURE_KINDS as readonly string[]).includes(e['kind']) ? { kind: e['kind'] as FailureKind, message: str(e, 'message', 'load') } : null;
    const figures = {
      running: count(o['running']),
      waiting: count(o['waiting']),
      kvCache: kv,
      slots: busy !== null && total !== null ? { busy, total } : null,
      loadedModels,
    };
    return { type: 'load', ts, reading: { backend, at: ts, figures, sources, error } };
  };

  return (text) => {
    if (text.trim() === '') return { ok: true, value: { type: 'skip' } };
    const parsed = parseObject(text);
    if (!parsed.ok) return parsed;
    const o = parsed.value;
    const type = o['type'];
    try {
      switch (type) {
        case 'probe':
          return { ok: true, value: probe(o) };
        case 'drain':
        case 'undrain':
          return { ok: true, value: { type, ts: time(o, 'ts', type), backend: backendOf(o, type) } };
        case 'interval':
          return { ok: true, value: { type, ts: time(o, 'ts', type), toMs: num(o, 'to_ms', type, positive, 'a number > 0') } };
        case 'pause':
        case 'resume':
          return { ok: true, value: { type, ts: time(o, 'ts', type) } };
        case 'gpu':
          return { ok: true, value: gpuLine(o) };
        case 'router':
          return parseRouterLine(o);
        case 'load':
          return { ok: true, value: loadLine(o) };
        case 'header':
          return fail('a second recording header (recordings cannot be concatenated)');
        default:
          if (typeof type !== 'string') return fail("a line without a 'type'");
          return { ok: true, value: { type: 'skip' } };
      }
    } catch (err) {
      if (err instanceof Bad) return fail(err.message);
      throw err;
    }
  };
}

/** A recording's `generate_models`: string values kept (sanitised when shown), anything else dropped. */
function stringRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}
