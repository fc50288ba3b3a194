/**
 * Load, the generation check and the router's view: the domain types every room shares (parsers in
 * backends/load/ and backends/router, fetching in probe/, schedules in monitor/, the store, the views).
 * Every figure is null when the source does not report it: an unknown is never 0.
 */
import type { FailureKind } from './outcome.js';

export interface LoadedModel {
  name: string;
  sizeBytes: number | null;
  /** Bytes of it in VRAM; below `sizeBytes`, part of it runs on the CPU. */
  vramBytes: number | null;
  /** Clock time (ms) the server will unload it; null when it does not say. */
  expiresAt: number | null;
}

export interface LoadFigures {
  /** Requests being served now. */
  running: number | null;
  /** Requests queued. */
  waiting: number | null;
  /** Fraction of the KV cache in use, 0–1 (the fullest engine's). */
  kvCache: number | null;
  slots: { busy: number; total: number } | null;
  loadedModels: LoadedModel[] | null;
}

export const NO_FIGURES: LoadFigures = { running: null, waiting: null, kvCache: null, slots: null, loadedModels: null };

/** Where a figure came from (CONTRACT.md `load.sources`). */
export type LoadSource = 'metrics' | 'slots' | 'ps' | 'models' | 'router';

/** Why load (or a generation check, or the router) could not be read; never a health verdict by itself. */
export interface SideError {
  kind: FailureKind;
  /** Sanitised, secrets masked, one line. */
  message: string;
}

/** What one round of asking a backend for load found (probe/ → store). */
export interface LoadReading {
  backend: string;
  /** Clock time the round finished. */
  at: number;
  figures: LoadFigures;
  /** The endpoints that answered with figures, in the order asked. */
  sources: LoadSource[];
  /** Set when no endpoint gave figures (all failed, were off, or sent garbage); figures are then all null. */
  error: SideError | null;
}

/** A backend's load as the views show it (CONTRACT.md `load`). */
export interface LoadView extends LoadFigures {
  /** The Nexus router's pending requests for this backend (`[top] router_url`); null without a router. */
  routerPending: number | null;
  sources: LoadSource[];
  /** Clock time of the last reading; null before the first. */
  at: number | null;
  error: SideError | null;
}

/** What one generation check found (probe/ → store). */
export interface GenerationResult {
  backend: string;
  at: number;
  ok: boolean;
  /** The model asked; null when none could be chosen (the check was skipped). */
  model: string | null;
  /** Time to the first token, ms; null when it failed or was skipped. */
  ttftMs: number | null;
  error: SideError | null;
  /** Why the check did not run this round (Ollama with no model loaded); null when it ran. */
  skipped: string | null;
}

/** A backend's last generation check as the views show it (CONTRACT.md `generation`). */
export type GenerationView = Omit<GenerationResult, 'backend'>;

/** One backend as the Nexus router's `GET /v1/stats` sees it (matched by name). */
export interface RouterBackendStats {
  pending: number | null;
  requests: number | null;
  averageLatencyMs: number | null;
}

/** The router's `GET /health` summary. */
export interface RouterHealth {
  /** `healthy`, `degraded`, … as the router says (sanitised). */
  status: string;
  backendsTotal: number | null;
  backendsHealthy: number | null;
  backendsUnhealthy: number | null;
  models: number | null;
  uptimeSeconds: number | null;
}

/** The Nexus router's view of the fleet (`[top] router_url`). */
export interface RouterView {
  /** Password removed; safe to show. */
  url: string;
  /** Clock time of the last read (either endpoint); null before the first. */
  at: number | null;
  /** Set while the router cannot be read: one line in the header, not an error per backend. */
  error: SideError | null;
  health: RouterHealth | null;
  /** By backend name. */
  backends: ReadonlyMap<string, RouterBackendStats>;
}
