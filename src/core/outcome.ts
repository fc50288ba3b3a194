/** Every failed probe is exactly one of these. */
export const FAILURE_KINDS = ['timeout', 'connection', 'dns', 'tls', 'http', 'parse', 'command'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** What one probe found, before any threshold is applied. */
export type ProbeOutcome =
  | {
      outcome: 'ok';
      /** Models the backend reported; `null` when this probe could not list them (keep the last list, stale). */
      models: string[] | null;
    }
  | { outcome: 'loading'; message: string }
  | {
      outcome: 'failure';
      kind: FailureKind;
      message: string;
      /** HTTP status when the server answered. */
      status?: number;
    };

export type ProbeResult = ProbeOutcome & {
  backend: string;
  /** Clock time (ms) when the probe started and finished. */
  startedAt: number;
  finishedAt: number;
  /** Wall time of the whole exchange, ms (a TCP check: the connect; a command check: its run). */
  latencyMs: number;
};
