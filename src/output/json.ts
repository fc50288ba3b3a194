import type { GpuView } from '../gpu/sample.js';
import type { BackendView, FleetSnapshot } from '../store/types.js';
import { isoTime, roundMs } from './format.js';
import { loadJson } from './load-json.js';
import { routerJson } from './router-json.js';

/**
 * One GPU in `--json` (CONTRACT.md "GPUs"): unknown readings null, never 0. Recordings use the same shape,
 * with each unmapped process's reason (`withReasons`).
 */
export function gpuJson(g: GpuView, withReasons = false) {
  return {
    index: g.index,
    uuid: g.uuid,
    name: g.name,
    vendor: g.vendor,
    utilization: g.utilization,
    memory_used_bytes: g.memoryUsedBytes,
    memory_total_bytes: g.memoryTotalBytes,
    temperature_c: g.temperatureC,
    power_w: g.powerW,
    power_limit_w: g.powerLimitW,
    processes: g.processes.map((p) => ({ pid: p.pid, name: p.name, memory_bytes: p.memoryBytes, backend: p.backend, ...(withReasons ? { unmapped: p.unmapped } : {}) })),
  };
}

/** One backend in `--once --json` (CONTRACT.md); times ISO-8601, numbers in ms, null where unknown. */
export function backendJson(b: BackendView) {
  return {
    name: b.name,
    url: b.url,
    type: b.type,
    check: b.check.label,
    status: b.status,
    health: b.health,
    status_since: isoTime(b.statusSince),
    latency_ms: roundMs(b.latencyMs),
    latency_ema_ms: roundMs(b.latencyEmaMs),
    model_count: b.modelsListedAt === null ? null : b.models.length,
    models: [...b.models],
    models_stale: b.modelsStale,
    last_error: b.lastError ? { kind: b.lastError.kind, message: b.lastError.message, at: isoTime(b.lastError.at) } : null,
    last_check_at: isoTime(b.lastCheckAt),
    consecutive_failures: b.consecutiveFailures,
    consecutive_successes: b.consecutiveSuccesses,
    flapping: b.flapping,
    flap_score: Math.round(b.flapScore * 10) / 10,
    flap_changes: b.flapChanges,
    flap_window_s: b.flapWindowMs / 1000,
    gpu_memory_bytes: b.gpuMemoryBytes,
    load: loadJson(b.load),
  };
}

export function fleetJson(snapshot: FleetSnapshot, checkedAt: number) {
  return {
    checked_at: isoTime(checkedAt),
    summary: { ...snapshot.summary },
    backends: snapshot.backends.map(backendJson),
    gpus: snapshot.gpu?.gpus?.map((g) => gpuJson(g)) ?? null,
    gpu_error: snapshot.gpu?.error ?? null,
    router: routerJson(snapshot.router),
  };
}
