/**
 * The GPU tool on its own schedule: one run at a time, each under a deadline (nvidia-smi can hang for
 * seconds on a GPU in trouble), the next round an interval after the last one ended. The probe loop never
 * waits for it. A run that overruns is killed, said, and tried again next round; the last good reading is
 * kept beside the error, marked by it.
 */
import { parseAmdSmi, parseRocmSmi, AMD_SMI_ARGS, ROCM_SMI_ARGS } from '../gpu/amd.js';
import { NVIDIA_APPS_ARGS, NVIDIA_GPU_ARGS, parseNvidiaApps, parseNvidiaGpus } from '../gpu/nvidia.js';
import { gpuViews, type GpuView, type Mapping } from '../gpu/sample.js';
import type { GpuErrorKind, GpuState, GpuToolName } from '../gpu/state.js';
import type { GpuProcess, GpuReading } from '../gpu/types.js';
import { cleanText } from '../text/sanitize.js';
import type { Clock, TimerHandle } from '../core/clock.js';

export interface GpuTool {
  name: GpuToolName;
  /** The program, as found on PATH. */
  path: string;
}

/** What running a tool gave (the shape of src/probe/command.ts's run). */
export interface ToolRun {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Killed at the deadline. */
  aborted: boolean;
  spawnError?: Error;
}

export type RunTool = (argv: readonly string[], signal: AbortSignal) => Promise<ToolRun>;

export interface GpuSamplerOptions {
  tool: GpuTool;
  clock: Clock;
  intervalMs: number;
  /** For each run of the tool. */
  deadlineMs: number;
  run: RunTool;
  /** What the mapping of processes to backends needs, read for these PIDs; null where it cannot be read. */
  mapping(pids: readonly number[]): Promise<Mapping | null>;
  publish(state: GpuState): void;
}

export interface GpuSampler {
  start(): void;
  /**
   * Stop the schedule and kill a run in progress; resolves once that reading has ended (its reads of
   * /proc too: a process that exits with them in flight waits for Node's thread pool).
   */
  stop(): Promise<void>;
  setIntervalMs(ms: number): void;
  /**
   * One reading now, published, with no schedule after it (--once, --json, --check): the whole reading
   * (on NVIDIA two runs of the tool) within one deadline. Never rejects.
   */
  readOnce(): Promise<void>;
}

class ToolFailure extends Error {
  constructor(
    readonly kind: GpuErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** The tool's first line of complaint, safe to show. */
function firstLine(run: ToolRun): string {
  const line = (run.stderr.trim() || run.stdout.trim()).split('\n')[0] ?? '';
  return cleanText(line, 200);
}

async function runOnce(argv: readonly string[], options: Pick<GpuSamplerOptions, 'run' | 'clock' | 'deadlineMs' | 'tool'>, stopping: AbortSignal): Promise<string> {
  const name = options.tool.name;
  const abort = new AbortController();
  const timer = options.clock.setTimeout(() => abort.abort(), options.deadlineMs);
  const onStop = (): void => abort.abort();
  stopping.addEventListener('abort', onStop, { once: true });
  try {
    const run = await options.run(argv, abort.signal);
    if (run.spawnError) throw new ToolFailure('spawn', `${name}: ${cleanText(run.spawnError.message, 200)}`);
    if (run.aborted) throw new ToolFailure('timeout', `${name} did not answer within ${options.deadlineMs / 1000} s (killed)`);
    if (run.code !== 0) {
      const why = firstLine(run);
      throw new ToolFailure('exit', `${name} ${run.signal ? `ended by ${run.signal}` : `exited ${run.code}`}${why ? `: ${why}` : ''}`);
    }
    return run.stdout;
  } finally {
    options.clock.clearTimeout(timer);
    stopping.removeEventListener('abort', onStop);
  }
}

/** One reading: the GPUs, and on NVIDIA the processes on them with their backends. */
async function readGpus(o: GpuSamplerOptions, stopping: AbortSignal): Promise<GpuView[]> {
  const { tool } = o;
  let gpus: GpuReading[];
  let processes: GpuProcess[] = [];
  if (tool.name === 'nvidia-smi') {
    const parsed = parseNvidiaGpus(await runOnce([tool.path, ...NVIDIA_GPU_ARGS], o, stopping));
    if (parsed.items.length === 0 && parsed.skipped > 0) throw new ToolFailure('garbage', 'nvidia-smi printed no GPU it could read');
    gpus = parsed.items;
    processes = parseNvidiaApps(await runOnce([tool.path, ...NVIDIA_APPS_ARGS], o, stopping)).items;
  } else {
    const args = tool.name === 'amd-smi' ? AMD_SMI_ARGS : ROCM_SMI_ARGS;
    const text = await runOnce([tool.path, ...args], o, stopping);
    const parsed = tool.name === 'amd-smi' ? parseAmdSmi(text) : parseRocmSmi(text);
    if (parsed === null) throw new ToolFailure('garbage', `${tool.name} printed something that is not its JSON`);
    gpus = parsed.items;
  }
  const mapping = processes.length > 0 ? await o.mapping([...new Set(processes.map((p) => p.pid))]) : null;
  return gpuViews(gpus, processes, mapping);
}

export function createGpuSampler(options: GpuSamplerOptions): GpuSampler {
  const { clock } = options;
  let intervalMs = options.intervalMs;
  let timer: TimerHandle | undefined;
  let running = false;
  let stopped = true;
  let stopping = new AbortController();
  let last: GpuView[] | null = null;
  let lastAt: number | null = null;

  /** The reading in progress, for stop() to wait on. */
  let inFlight: Promise<GpuState> | null = null;
  const reading = (): Promise<GpuState> => {
    const p = readingNow().finally(() => {
      if (inFlight === p) inFlight = null;
    });
    inFlight = p;
    return p;
  };
  /** One reading (GPUs, then processes), the whole of it under the deadline; never rejects. */
  const readingNow = async (): Promise<GpuState> => {
    const whole = new AbortController();
    const onStop = (): void => whole.abort();
    const signal = stopping.signal;
    if (signal.aborted) whole.abort();
    else signal.addEventListener('abort', onStop, { once: true });
    const deadline = clock.setTimeout(() => whole.abort(), options.deadlineMs);
    try {
      last = await readGpus(options, whole.signal);
      lastAt = clock.now();
      return { tool: options.tool.name, gpus: last, error: null, at: lastAt, gpusAt: lastAt };
    } catch (error) {
      const failure = error instanceof ToolFailure ? error : new ToolFailure('garbage', cleanText(error instanceof Error ? error.message : String(error), 200));
      return { tool: options.tool.name, gpus: last, error: { kind: failure.kind, message: failure.message }, at: clock.now(), gpusAt: lastAt };
    } finally {
      clock.clearTimeout(deadline);
      signal.removeEventListener('abort', onStop);
    }
  };

  const round = async (): Promise<void> => {
    timer = undefined;
    if (stopped || running) return;
    running = true;
    let state: GpuState;
    try {
      state = await reading();
    } finally {
      running = false;
    }
    if (stopped) return;
    try {
      options.publish(state);
    } finally {
      // Whatever a listener of the store did, the schedule goes on.
      timer = clock.setTimeout(() => void round().catch(() => {}), intervalMs);
    }
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      stopping = new AbortController();
      timer = clock.setTimeout(() => void round().catch(() => {}), 0);
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      stopping.abort();
      return inFlight ? inFlight.then(() => undefined) : Promise.resolve();
    },
    setIntervalMs(ms) {
      intervalMs = ms;
    },
    async readOnce() {
      if (running) return;
      running = true;
      let state: GpuState;
      try {
        state = await reading();
      } finally {
        running = false;
      }
      // Closed meanwhile (a signal during --once): nothing to say.
      if (stopping.signal.aborted) return;
      try {
        options.publish(state);
      } catch {
        // A listener's failure is not the tool's.
      }
    },
  };
}
