import type { Config } from './config/types.js';
import type { Clock } from './monitor/clock.js';
import { createMonitor, type Monitor } from './monitor/monitor.js';
import { createProber } from './probe/probe.js';
import { createStore, type FleetStore } from './store/store.js';

export interface Engine {
  config: Config;
  store: FleetStore;
  monitor: Monitor;
  /** Stop probing, cancel in-flight requests, close connections. Idempotent. */
  close(): Promise<void>;
}

/** Wire the pieces together: probe (I/O) -> monitor (loop) -> store (state); views read the store. */
export function createEngine(config: Config, clock: Clock, env: Record<string, string | undefined> = process.env): Engine {
  const store = createStore(config, { clock });
  const prober = createProber({ timeoutMs: config.health.timeoutMs, bodyLimitBytes: config.top.bodyLimitBytes, env, now: clock.now });
  const monitor = createMonitor({ config, store, clock, probe: (backend, signal) => prober.probe(backend, signal) });
  let closing: Promise<void> | undefined;
  return {
    config,
    store,
    monitor,
    close: () => (closing ??= monitor.stop().then(() => prober.close())),
  };
}
