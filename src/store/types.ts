import type { BackendType } from '../config/types.js';
import type { Health, Status } from '../health/state.js';
import type { FailureKind } from '../probe/types.js';

export interface ErrorRecord {
  kind: FailureKind;
  message: string;
  /** Clock time of the probe that failed. */
  at: number;
}

/** One backend as every view sees it. Immutable: a change makes a new object. */
export interface BackendView {
  name: string;
  type: BackendType;
  /** Password removed; safe to show. */
  url: string;
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
}

export interface FleetSummary {
  total: number;
  healthy: number;
  unhealthy: number;
  loading: number;
  draining: number;
  unknown: number;
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
  /** Clock time this snapshot was published. */
  at: number;
}
