import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Status } from '../health/state.js';
import { FAILURE_KINDS } from '../core/outcome.js';
import type { GpuView } from '../gpu/sample.js';
import type { FleetStore } from '../store/store.js';
import { registerRouterMetrics } from './router-metrics.js';
import type { BackendView } from '../store/types.js';

/** Every metric of ours starts with this (the default process metrics keep their standard names). */
export const METRIC_PREFIX = 'nexus_top_';

export const STATUSES: readonly Status[] = ['unknown', 'healthy', 'unhealthy', 'loading', 'draining'];

/**
 * Probe durations, seconds: a loopback probe takes ~1 ms, a remote one tens of ms, a loaded or
 * distant server seconds; the default timeout is 5 s and a probe never outlasts its timeout.
 */
export const PROBE_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface FleetMetrics {
  registry: Registry;
  /** Stop following the store's results (the registry keeps what it has). Idempotent. */
  dispose(): void;
}

/**
 * A prom-client registry describing the fleet. Labels are only backend names (the config's names,
 * which carry no control characters), types, statuses and failure kinds: never a URL, so no password
 * or token can reach a scrape.
 *
 * - Gauges are read from `store.getSnapshot()` at scrape time (collect callbacks), so they are what the
 *   dashboard shows at that moment.
 * - The failure counter and the duration histogram follow `store.onResult`, every probe as it is recorded.
 *   Both start at zero for every backend and kind, so `rate()` and `increase()` work from the first scrape.
 * - Default process metrics (`process_*`, `nodejs_*`) are registered on this registry only, never on
 *   prom-client's global one.
 */
export function createFleetMetrics(store: FleetStore, options: { defaultMetrics?: boolean } = {}): FleetMetrics {
  const registry = new Registry();
  const registers = [registry];
  const snapshot = () => store.getSnapshot();

  const up = new Gauge({
    name: `${METRIC_PREFIX}backend_up`,
    help: 'Whether the probes find the backend healthy after thresholds (1) or not (0); a drained backend keeps its probe verdict.',
    labelNames: ['backend', 'type'] as const,
    registers,
    collect() {
      up.reset();
      for (const b of snapshot().backends) up.set({ backend: b.name, type: b.type }, b.health === 'healthy' ? 1 : 0);
    },
  });

  const status = new Gauge({
    name: `${METRIC_PREFIX}backend_status`,
    help: 'The status shown for the backend, one-hot: 1 for its current status, 0 for the others.',
    labelNames: ['backend', 'status'] as const,
    registers,
    collect() {
      status.reset();
      for (const b of snapshot().backends) {
        for (const s of STATUSES) status.set({ backend: b.name, status: s }, b.status === s ? 1 : 0);
      }
    },
  });

  const latency = new Gauge({
    name: `${METRIC_PREFIX}backend_latency_ema_seconds`,
    help: 'Exponential moving average of the latency of successful probes, in seconds (absent until one succeeds).',
    labelNames: ['backend'] as const,
    registers,
    collect() {
      latency.reset();
      for (const b of snapshot().backends) if (b.latencyEmaMs !== null) latency.set({ backend: b.name }, b.latencyEmaMs / 1000);
    },
  });

  const models = new Gauge({
    name: `${METRIC_PREFIX}backend_models`,
    help: 'Models the backend last listed (absent until it has listed them; the last known list while it cannot).',
    labelNames: ['backend'] as const,
    registers,
    collect() {
      models.reset();
      for (const b of snapshot().backends) if (b.modelsListedAt !== null) models.set({ backend: b.name }, b.models.length);
    },
  });

  const flapping = new Gauge({
    name: `${METRIC_PREFIX}backend_flapping`,
    help: 'Whether the backend is flapping (1) or not (0), whatever its status.',
    labelNames: ['backend'] as const,
    registers,
    collect() {
      flapping.reset();
      for (const b of snapshot().backends) flapping.set({ backend: b.name }, b.flapping ? 1 : 0);
    },
  });

  // GPUs of the box (absent while unknown, and all of them when no GPU tool runs).
  const gpuLabels = ['gpu', 'uuid', 'name'] as const;
  const gpuGauge = (metric: string, help: string, value: (g: GpuView) => number | null): void => {
    const gauge: Gauge<(typeof gpuLabels)[number]> = new Gauge({
      name: `${METRIC_PREFIX}${metric}`,
      help,
      labelNames: gpuLabels,
      registers,
      collect() {
        gauge.reset();
        for (const g of snapshot().gpu?.gpus ?? []) {
          const v = value(g);
          if (v !== null) gauge.set({ gpu: String(g.index), uuid: g.uuid ?? '', name: g.name ?? '' }, v);
        }
      },
    });
  };
  gpuGauge('gpu_utilization_ratio', 'GPU utilisation, 0 to 1, as the GPU tool reports it.', (g) => g.utilization);
  gpuGauge('gpu_memory_used_bytes', 'GPU memory in use, in bytes.', (g) => g.memoryUsedBytes);
  gpuGauge('gpu_memory_total_bytes', 'GPU memory in all, in bytes.', (g) => g.memoryTotalBytes);
  gpuGauge('gpu_temperature_celsius', 'GPU temperature, in degrees Celsius.', (g) => g.temperatureC);
  gpuGauge('gpu_power_watts', 'GPU power draw, in watts.', (g) => g.powerW);

  const backendGpuMemory = new Gauge({
    name: `${METRIC_PREFIX}backend_gpu_memory_bytes`,
    help: "GPU memory held by the backend's processes, summed over GPUs (absent when none is mapped to it).",
    labelNames: ['backend'] as const,
    registers,
    collect() {
      backendGpuMemory.reset();
      for (const b of snapshot().backends) if (b.gpuMemoryBytes !== null) backendGpuMemory.set({ backend: b.name }, b.gpuMemoryBytes);
    },
  });

  // Load (issue 15): each figure absent while the backend does not report it (or load is off).
  const loadGauge = (metric: string, help: string, value: (load: NonNullable<BackendView['load']>) => number | null): void => {
    const gauge: Gauge<'backend'> = new Gauge({
      name: `${METRIC_PREFIX}${metric}`,
      help,
      labelNames: ['backend'] as const,
      registers,
      collect() {
        gauge.reset();
        for (const b of snapshot().backends) {
          const v = b.load === null ? null : value(b.load);
          if (v !== null) gauge.set({ backend: b.name }, v);
        }
      },
    });
  };
  loadGauge('backend_requests_running', 'Requests the backend is serving now, as its load endpoint says.', (l) => l.running);
  loadGauge('backend_requests_waiting', 'Requests queued at the backend, as its load endpoint says.', (l) => l.waiting);
  loadGauge('backend_kv_cache_usage_ratio', "Fraction of the backend's KV cache in use, 0 to 1 (the fullest engine's).", (l) => l.kvCache);
  loadGauge('backend_slots_busy', 'llama.cpp slots processing a request.', (l) => l.slots?.busy ?? null);
  loadGauge('backend_slots_total', 'llama.cpp slots in all.', (l) => l.slots?.total ?? null);

  const duration = new Histogram({
    name: `${METRIC_PREFIX}probe_duration_seconds`,
    help: 'Wall time of each probe of the backend (every outcome), in seconds.',
    labelNames: ['backend'] as const,
    buckets: PROBE_DURATION_BUCKETS,
    registers,
  });

  const failures = new Counter({
    name: `${METRIC_PREFIX}probe_failures_total`,
    help: 'Failed probes of the backend by kind (timeout, connection, dns, tls, http, parse, command), before thresholds.',
    labelNames: ['backend', 'kind'] as const,
    registers,
  });

  for (const b of snapshot().backends) {
    duration.zero({ backend: b.name });
    for (const kind of FAILURE_KINDS) failures.inc({ backend: b.name, kind }, 0);
  }

  const unsubscribe = store.onResult((result) => {
    duration.observe({ backend: result.backend }, Math.max(0, result.latencyMs) / 1000);
    if (result.outcome === 'failure') failures.inc({ backend: result.backend, kind: result.kind });
  });

  registerRouterMetrics(registry, snapshot, METRIC_PREFIX);

  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  let disposed = false;
  return {
    registry,
    dispose() {
      if (disposed) return;
      disposed = true;
      unsubscribe();
    },
  };
}
