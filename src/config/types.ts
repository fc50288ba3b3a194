/** The backend types Nexus knows; each maps to one probe driver in src/backends/. */
export const BACKEND_TYPES = [
  'ollama',
  'vllm',
  'llamacpp',
  'exo',
  'openai',
  'lmstudio',
  'generic',
  'anthropic',
  'google',
] as const;
export type BackendType = (typeof BACKEND_TYPES)[number];

/** The placeholders a command check's arguments may hold (src/config/checks.ts substitutes them). */
export const CHECK_PLACEHOLDERS = ['url', 'host', 'port', 'name'] as const;

/**
 * A check other than the HTTP probe (`[top.checks]`, keyed by backend name). `also`: run beside the
 * HTTP probe (both must pass) instead of replacing it.
 */
export type BackendCheck =
  | { kind: 'tcp'; also: boolean }
  | {
      kind: 'command';
      also: boolean;
      /** argv as written: never a shell string; `${url}`, `${host}`, `${port}`, `${name}` substituted per argument. */
      argv: readonly string[];
      /** The directory the command runs in (and a relative program is found from): the config file's. */
      cwd: string;
    };

export interface BackendConfig {
  name: string;
  /** As written in the config; may carry credentials. Never display it: use displayUrl. */
  url: string;
  type: BackendType;
  priority: number;
  /** Name of the environment variable holding the API key (the value is read at probe time). */
  apiKeyEnv?: string;
  zone?: string;
  tier?: number;
  /** `tls_verify = false` accepts self-signed certificates (a nexus-top extension Nexus ignores). */
  tlsVerify: boolean;
  /** A TCP or command check from `[top.checks]`; absent: the HTTP probe alone. */
  check?: BackendCheck;
}

export interface HealthSettings {
  enabled: boolean;
  intervalMs: number;
  timeoutMs: number;
  failureThreshold: number;
  recoveryThreshold: number;
}

export interface TopSettings {
  fastIntervalMs: number;
  concurrency: number;
  bodyLimitBytes: number;
  /** Probe results kept per backend (the HISTORY column, the detail pane). */
  historySize: number;
  /** Flap score: raw outcomes looked at, and the hysteresis thresholds in percent. */
  flapWindow: number;
  flapLow: number;
  flapHigh: number;
  /** Status changes (healthy <-> unhealthy) within the flap window that make a backend flapping. */
  flapChanges: number;
  /** The status changes' window in ms; null: the longer of 20 intervals and 60 s (it follows the interval). */
  flapWindowMs: number | null;
  /** Command checks running at once, over the whole fleet. */
  commandConcurrency: number;
  /** Ask each backend how loaded it is (`[top] load`, `--no-load`). */
  load: boolean;
  /** How often load is asked; null: the probe interval, but not below 5 s (`loadIntervalMs()`). */
  loadIntervalMs: number | null;
  /** The generation check's interval; null: off (the default; `--generate`). */
  generateIntervalMs: number | null;
  /** Backend name → the model its generation check asks (`[top.generate_models]`). */
  generateModels: Readonly<Record<string, string>>;
  /** A Nexus router whose `/v1/stats` and `/health` are read each load interval (`--router`); null: none. */
  routerUrl: string | null;
  /** Read the box's GPUs with nvidia-smi, amd-smi or rocm-smi (`[top] gpu`, `--no-gpu`). */
  gpu: boolean;
  /** How often the GPU tool runs. */
  gpuIntervalMs: number;
}

export interface Config {
  /** Absolute path of the file it came from, or a label such as `demo`. */
  source: string;
  health: HealthSettings;
  top: TopSettings;
  backends: BackendConfig[];
}

export const DEFAULT_HEALTH: HealthSettings = {
  enabled: true,
  intervalMs: 30_000,
  timeoutMs: 5_000,
  failureThreshold: 3,
  recoveryThreshold: 2,
};

export const DEFAULT_TOP: TopSettings = {
  fastIntervalMs: 1_000,
  concurrency: 64,
  bodyLimitBytes: 8 * 1024 * 1024,
  historySize: 120,
  flapWindow: 21,
  flapLow: 20,
  flapHigh: 30,
  flapChanges: 4,
  flapWindowMs: null,
  commandConcurrency: 4,
  load: true,
  loadIntervalMs: null,
  generateIntervalMs: null,
  generateModels: {},
  routerUrl: null,
  gpu: true,
  gpuIntervalMs: 2_000,
};

/** Load is asked no more often than this unless `load_interval_seconds` says so. */
export const MIN_DEFAULT_LOAD_INTERVAL_MS = 5_000;

/** The load interval in force: the configured one, or the probe interval but not below 5 s. */
export function loadIntervalMs(config: Pick<Config, 'health' | 'top'>): number {
  return config.top.loadIntervalMs ?? Math.max(config.health.intervalMs, MIN_DEFAULT_LOAD_INTERVAL_MS);
}
