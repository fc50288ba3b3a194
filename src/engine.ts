import type { FleetChange } from './config/diff.js';
import { loadIntervalMs, type Config } from './config/types.js';
import type { Clock } from './core/clock.js';
import { routerNotYetRead } from './backends/router.js';
import { createLoadSchedule, type LoadSchedule } from './monitor/load-schedule.js';
import { createMonitor, type Monitor } from './monitor/monitor.js';
import { createGenerationSchedule, withGeneration, type GenerationSchedule } from './monitor/generate-schedule.js';
import { createGenerationChecker } from './probe/generate.js';
import { createRouterWatch, type RouterWatch } from './monitor/router-watch.js';
import { createGpuSampler, type GpuSampler, type GpuTool, type RunTool } from './monitor/gpu-sampler.js';
import { findGpuTool, gpuMapping, gpuToolRunner } from './probe/gpu-tool.js';
import type { Connections } from './probe/http.js';
import { createLoadReader } from './probe/load.js';
import { createProber } from './probe/probe.js';
import { createRouterReader, type RouterReader } from './probe/router.js';
import type { DrainPersistence } from './state/drain-state.js';
import { createStore, type FleetStore } from './store/store.js';

export interface Engine {
  config: Config;
  store: FleetStore;
  monitor: Monitor;
  /** Load on its own schedule (started, paused and stopped with the monitor); `readNow` for --once. */
  load?: LoadSchedule;
  /** The generation check's schedule (off unless `[top] generate_interval_seconds` / `--generate`). */
  generation?: GenerationSchedule;
  /** Stop probing, cancel in-flight requests, close connections. Idempotent. */
  close(): Promise<void>;
  /** Apply a reloaded config (src/cli/reload.ts): the store, then the schedule, then the probe settings. */
  reload(config: Config, change: FleetChange): void;
  /** What to say of GPUs while there is no reading ("no GPU tool found", "off"); undefined when a tool runs. */
  gpuNote?: string | undefined;
  /**
   * One GPU reading now, into the store (--once, --json, --check: beside the probes, within the probe
   * deadline). Resolves at once when GPUs are off or no tool is found. Never rejects.
   */
  readGpuOnce?(): Promise<void>;
}

export interface EngineOptions {
  /**
   * Drains remembered across runs (src/state/drain-state.ts). Its names are drained before the first
   * snapshot; every drain or undrain through `engine.monitor` is saved to it.
   */
  drainState?: DrainPersistence;
  /**
   * `single` for runs that probe each backend once (--once, --check): no connection pool, nothing to load
   * (src/probe/single.ts). Default `pooled`.
   */
  connections?: Connections;
  /** The GPU tool to use; by default the first of nvidia-smi, amd-smi, rocm-smi on `env.PATH`. null: none. */
  gpuTool?: GpuTool | null;
  /** How the GPU tool is run; by default src/probe/command.ts's runner. */
  runGpuTool?: RunTool;
}

/** A GPU tool run may take this long at most, whatever the probe timeout: the panel must not go stale for long. */
const GPU_DEADLINE_CAP_MS = 10_000;

/** Wire the pieces together: probe (I/O) -> monitor (loop) -> store (state); views read the store. */
export function createEngine(
  config: Config,
  clock: Clock,
  env: Record<string, string | undefined> = process.env,
  options: EngineOptions = {},
): Engine {
  const store = createStore(config, { clock });
  const connections = options.connections ?? 'pooled';
  // Command checks never see an API key: every backend's api_key_env of the config in force is dropped from their environment.
  const hiddenEnv = () => current.backends.map((b) => b.apiKeyEnv);
  const proberFor = (c: Config) =>
    createProber({ timeoutMs: c.health.timeoutMs, bodyLimitBytes: c.top.bodyLimitBytes, env, now: clock.now, connections, commandConcurrency: c.top.commandConcurrency, hiddenEnv });
  let current = config;
  let prober = proberFor(config);
  // Probers replaced by a reload: closed with the engine (a probe of theirs may still be running).
  const retired: Array<typeof prober> = [];
  const inner = createMonitor({ config, store, clock, probe: (backend, signal) => prober.probe(backend, signal) });
  // Load asks through the prober in force (its connections, deadline and body limit), never touching health.
  const reader = createLoadReader({ side: (backend, use, signal) => prober.side(backend, use, signal), now: clock.now });
  const load = createLoadSchedule({ config, clock, reader, publish: (reading) => store.setLoad(reading) });
  // The generation check asks through the prober in force (its connections, deadline, body limit, key).
  const checker = createGenerationChecker({ side: (backend, use, signal) => prober.side(backend, use, signal), now: clock.now });
  const generation = createGenerationSchedule({ config, clock, checker, modelsOf: (name) => store.current(name)?.models ?? [], publish: (result) => store.recordGeneration(result) });
  const { drainState } = options;
  // The Nexus router (`[top] router_url`), read each load interval while the monitor runs.
  let router: { reader: RouterReader; watch: RouterWatch } | null = null;
  let started = false;
  let paused = false;
  const routerFor = (c: Config): typeof router => {
    if (c.top.routerUrl === null) return null;
    const reader = createRouterReader({ url: c.top.routerUrl, timeoutMs: c.health.timeoutMs, bodyLimitBytes: c.top.bodyLimitBytes, connections, now: clock.now });
    const watch = createRouterWatch({ clock, intervalMs: loadIntervalMs(c), read: (signal) => reader.read(signal), publish: (view) => store.setRouter(view) });
    store.setRouter(routerNotYetRead(reader.url));
    return { reader, watch };
  };
  router = routerFor(config);
  const retiredRouters: RouterReader[] = [];
  // The monitor's actions that concern load too; createMonitor returns a plain object of closures, so spreading keeps the rest intact.
  let monitor: Monitor = {
    ...inner,
    start() {
      inner.start();
      load.start();
    },
    // `r`, --once, --check: the probe and load asked together, each under the probe's deadline.
    checkNow: (name) => Promise.all([inner.checkNow(name), load.readNow(name)]).then(() => undefined),
    pause() {
      inner.pause();
      load.pause();
    },
    resume() {
      inner.resume();
      load.resume();
    },
    setIntervalMs(ms) {
      inner.setIntervalMs(ms);
      load.setProbeIntervalMs(ms);
    },
  };
  const base = monitor;
  if (drainState) {
    // Names not in this config are ignored by the store (and kept in the file).
    for (const name of drainState.drainedNames()) store.setDrained(name, true);
    // Published now, so the first frame and --once already show `draining`.
    store.flush();
    const persist = (name: string): void => {
      const view = store.current(name);
      if (view) drainState.setDrained(name, view.drained, clock.now());
    };
    // createMonitor returns a plain object of closures, so spreading it keeps every other action intact.
    monitor = {
      ...base,
      setDrained(name, drained) {
        inner.setDrained(name, drained);
        persist(name);
      },
      toggleDrain(name) {
        inner.toggleDrain(name);
        persist(name);
      },
    };
  }
  {
    // The router's schedule follows the monitor's: started, paused and resumed with it, its interval the load interval.
    const probing = monitor;
    monitor = {
      ...probing,
      start() {
        probing.start();
        started = true;
        router?.watch.start();
      },
      // Checking the whole fleet now (`R`, --once, --check) reads the router too, beside the probes.
      checkNow: (name) => Promise.all([probing.checkNow(name), name === undefined ? router?.watch.readNow() : undefined]).then(() => undefined),
      pause() {
        probing.pause();
        paused = true;
        router?.watch.pause();
      },
      resume() {
        probing.resume();
        paused = false;
        router?.watch.resume();
      },
      setIntervalMs(ms) {
        probing.setIntervalMs(ms);
        router?.watch.setIntervalMs(loadIntervalMs({ health: { ...current.health, intervalMs: ms }, top: current.top }));
      },
    };
  }
  // The generation check follows the monitor too (started, paused, asked by checkNow with the probes).
  monitor = withGeneration(monitor, generation);
  const stopRouter = (): void => {
    if (!router) return;
    router.watch.stop();
    retiredRouters.push(router.reader);
    router = null;
  };
  // GPUs: their own schedule beside the probes' (the probe loop never waits for the tool).
  const gpuTool = options.gpuTool === undefined ? findGpuTool(env) : options.gpuTool;
  const gpuNoteFor = (c: Config): string | undefined => (!c.top.gpu ? 'GPUs turned off' : gpuTool === null ? 'no GPU tool found' : undefined);
  const gpuDeadline = (c: Config): number => Math.min(c.health.timeoutMs, GPU_DEADLINE_CAP_MS);
  const samplerFor = (c: Config): GpuSampler | null =>
    gpuTool === null || !c.top.gpu
      ? null
      : createGpuSampler({
          tool: gpuTool,
          clock,
          intervalMs: c.top.gpuIntervalMs,
          deadlineMs: gpuDeadline(c),
          run: options.runGpuTool ?? gpuToolRunner(env),
          mapping: gpuMapping(() => current.backends),
          publish: (state) => store.setGpu(state),
        });
  let sampler = samplerFor(config);
  const withGpu = monitor;
  monitor = {
    ...withGpu,
    start() {
      withGpu.start();
      started = true;
      sampler?.start();
    },
  };
  let closing: Promise<void> | undefined;
  return {
    get config() {
      return current;
    },
    store,
    monitor,
    load,
    generation,
    get gpuNote() {
      return gpuNoteFor(current);
    },
    readGpuOnce: () => sampler?.readOnce() ?? Promise.resolve(),
    close() {
      if (closing) return closing;
      // The router first: nothing of it is published into a store the monitor has closed.
      stopRouter();
      // Load asks through the probers: they are closed once it and the monitor have stopped.
      return (closing = Promise.all([
        sampler?.stop(),
        Promise.all([load.stop(), generation.stop(), inner.stop()]).then(() => Promise.all([prober, ...retired, ...retiredRouters].map((p) => p.close()))),
      ]).then(() => undefined));
    },
    reload(next, change) {
      // [top] gpu turned on or off, a new deadline: a new sampler; a new interval: from the next round.
      if (next.top.gpu !== current.top.gpu || gpuDeadline(next) !== gpuDeadline(current)) {
        void sampler?.stop();
        if (!next.top.gpu) store.clearGpu();
        sampler = samplerFor(next);
        if (started) sampler?.start();
      } else sampler?.setIntervalMs(next.top.gpuIntervalMs);
      store.reconfigure(next, change);
      inner.reconfigure(next, change);
      load.reconfigure(next, change);
      generation.reconfigure(next, change);
      if (
        next.health.timeoutMs !== current.health.timeoutMs ||
        next.top.bodyLimitBytes !== current.top.bodyLimitBytes ||
        next.top.commandConcurrency !== current.top.commandConcurrency
      ) {
        retired.push(prober);
        prober = proberFor(next);
      }
      if (next.top.routerUrl !== current.top.routerUrl || next.health.timeoutMs !== current.health.timeoutMs || next.top.bodyLimitBytes !== current.top.bodyLimitBytes) {
        stopRouter();
        router = routerFor(next);
        if (router === null) store.setRouter(null);
        else if (started) {
          router.watch.start();
          if (paused) router.watch.pause();
        }
      } else router?.watch.setIntervalMs(loadIntervalMs(next));
      current = next;
    },
  };
}
