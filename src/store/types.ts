import type { BackendType } from '../config/types.js';
import type { GpuState } from '../gpu/state.js';
import type { FlapReason } from '../health/flap.js';
import type { Health, Status } from '../health/state.js';
import type { GenerationView, LoadView, RouterView } from '../core/load.js';
import type { FailureKind } from '../core/outcome.js';

export interface CheckView {
  label: string;
  text: string;
}

/** One probe, as the history ring keeps it. */
export interface ProbeSample {
  at: number;
  outcome: 'ok' | 'loading' | 'failure';
  kind?: FailureKind;
  latencyMs: number;
}

/** Something that happened to the fleet; `--events` prints these as NDJSON (CONTRACT.md). */
export type FleetEvent =
  | { ts: number; type: 'status'; backend: string; from: Health; to: Health; kind?: FailureKind; message?: string }
  /** `changes`: status changes within the flap window; `score`: the outcome score, both when it happened. */
  | { ts: number; type: 'flap_start' | 'flap_stop'; backend: string; score: number; changes: number }
  | { ts: number; type: 'drain' | 'undrain'; backend: string }
  /** A backend starts queueing (`waiting` leaves 0) or stops (returns to 0); an unknown reading is no change. */
  | { ts: number; type: 'load'; backend: string; waiting_from: number; waiting_to: number }
  | { ts: number; type: 'interval'; from_ms: number; to_ms: number }
  | { ts: number; type: 'pause' | 'resume' }
  /** The config file changed on disk and the new version was applied. */
  | { ts: number; type: 'config_reload'; added: string[]; removed: string[]; replaced: string[] }
  /** The config file changed on disk and the new version is bad: the old one keeps running. */
  | { ts: number; type: 'config_error'; message: string };

export interface ErrorRecord {
  kind: FailureKind;
  message: string;
  /** Clock time of the probe that failed. */
  at: number;
  /** Set when the generation check failed, not the probe (JSON `last_error.stage`). */
  stage?: 'generate';
}

/** One backend as every view sees it. Immutable: a change makes a new object. */
export interface BackendView {
  name: string;
  type: BackendType;
  /** Password removed; safe to show. */
  url: string;
  /** Which check runs: `label` for JSON (`http`, `tcp`, `command`, `http+tcp`, `http+command`), `text` for the detail pane (sanitised, secrets masked). */
  check: CheckView;
  priority: number;
  zone?: string;
  tier?: number;
  health: Health;
  drained: boolean;
  status: Status;
  /** Clock time `status` last changed. */
  statusSince: number;
  lastCheckAt: number | null;
  lastOutcome: 'ok' | 'loading' | 'failure' | null;
  /** What a loading backend said about itself. */
  loadingMessage: string | null;
  latencyMs: number | null;
  latencyEmaMs: number | null;
  latencyMinMs: number | null;
  latencyMaxMs: number | null;
  /** The latency figures come from earlier probes: the last one did not succeed. */
  latencyStale: boolean;
  models: readonly string[];
  /** When the model list was last read from the backend; null if it never was. */
  modelsListedAt: number | null;
  /** The last probe could not list models; `models` is the last known list. */
  modelsStale: boolean;
  lastError: ErrorRecord | null;
  /** The last few errors, newest last. */
  recentErrors: readonly ErrorRecord[];
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** A probe of this backend is running now. */
  checking: boolean;
  /** When the running probe started (null when none runs): only slow probes are worth a mark on screen. */
  checkingSince: number | null;
  /** The last probes, oldest first (at most `[top] history_size`). */
  history: readonly ProbeSample[];
  /** Nagios-style percent state change over the last raw outcomes. */
  flapScore: number;
  /** Status changes (healthy <-> unhealthy) within the last `flapWindowMs`, and when the first and last were. */
  flapChanges: number;
  flapFirstChangeAt: number | null;
  flapLastChangeAt: number | null;
  /** The status window the verdict used (it follows the interval unless configured). */
  flapWindowMs: number;
  flapping: boolean;
  /** Why it is flapping (which view says so, or `holding` on its way out); null when it is not. */
  flapReason: FlapReason | null;
  /** GPU memory its processes hold on this box, summed over GPUs; null when none is mapped to it. */
  gpuMemoryBytes: number | null;
  /** How loaded it is (CONTRACT.md `load`); null before the first reading, for a type with no load endpoint, or with load off. */
  load: LoadView | null;
  /** The last generation check; null when the check is off or not applicable. */
  generation: GenerationView | null;
}

export interface FleetSummary {
  total: number;
  healthy: number;
  unhealthy: number;
  loading: number;
  draining: number;
  unknown: number;
  /** Backends flapping, whatever their status (a backend can be healthy and flapping). */
  flapping: number;
}

export interface FleetSnapshot {
  /** Where the config came from (file path, or `demo`). */
  source: string;
  intervalMs: number;
  paused: boolean;
  /** In config order. */
  backends: readonly BackendView[];
  byName: ReadonlyMap<string, BackendView>;
  summary: FleetSummary;
  /** The last events, oldest first (at most 1000). */
  events: readonly FleetEvent[];
  /** Clock time this snapshot was published (in a replay: the time in the recording). */
  at: number;
  /** Set while the fleet is driven from a recording (`--replay`) instead of the network. */
  replay: ReplayState | null;
  /** Why the config file on disk could not be reloaded (the running config is the last good one); null when fine. */
  configProblem: string | null;
  /** The box's GPUs, when a GPU tool is installed and GPUs are on; null otherwise. */
  gpu: GpuState | null;
  /** The Nexus router's view (`[top] router_url`); null when none is configured. */
  router: RouterView | null;
}

export interface ReplayState {
  /** The recording being replayed, as the user named it. */
  file: string;
  speed: number | 'max';
  paused: boolean;
  /** The recording has been played to its end (or to its first bad line). */
  ended: boolean;
  /** Why the replay stopped early: `FILE:LINE: what is wrong`. */
  stoppedAt?: string;
}
