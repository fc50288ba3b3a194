import { runGeneration, type GenerationSpec } from '../backends/generate.js';
import type { BackendConfig } from '../config/types.js';
import type { GenerationResult } from '../core/load.js';
import { elapsedMs } from './elapsed.js';
import type { Prober } from './probe.js';

export interface GenerationCheckerOptions {
  /** The prober's `side` (its connections, deadline, body limit, API key, masking). */
  side: Prober['side'];
  /** Clock time for `at`. */
  now: () => number;
}

export interface GenerationChecker {
  /** One generation check of `backend` (`listed`: the models its last probe found). Never rejects. */
  check(backend: BackendConfig, named: string | undefined, listed: readonly string[], signal?: AbortSignal): Promise<GenerationResult>;
}

/** Wall time from now, ms, on the monotonic clock (a fake clock would time nothing). */
const stopwatch = (): (() => number) => {
  const started = process.hrtime.bigint();
  return () => elapsedMs(started);
};

export function createGenerationChecker(options: GenerationCheckerOptions): GenerationChecker {
  const { side, now } = options;
  return {
    async check(backend, named, listed, signal) {
      const spec: GenerationSpec = { type: backend.type, named, listed };
      const found = await side(backend, (s, mask) => runGeneration(spec, s, stopwatch).then((f) => (f.outcome === 'failed' ? { ...f, error: { ...f.error, message: mask(f.error.message) } } : f)), signal);
      const at = now();
      const result: GenerationResult = { backend: backend.name, at, ok: false, model: null, ttftMs: null, error: null, skipped: null };
      if (!found.ok) return { ...result, error: found.error };
      const f = found.value;
      switch (f.outcome) {
        case 'ok':
          // Never 0: a check that answered took some time, and 0 reads as unknown on some dashboards.
          return { ...result, ok: true, model: f.model, ttftMs: Math.max(f.ttftMs, 0.1) };
        case 'failed':
          return { ...result, model: f.model, error: f.error };
        case 'skipped':
          return { ...result, model: f.model, skipped: f.reason };
      }
    },
  };
}
