import type { BackendConfig, Config } from '../../src/config/types.js';
import { DEFAULT_HEALTH, DEFAULT_TOP } from '../../src/config/types.js';
import type { Clock } from '../../src/core/clock.js';
import type { ProbeFn } from '../../src/monitor/monitor.js';
import type { ProbeOutcome, ProbeResult } from '../../src/core/outcome.js';

export function backend(name: string, extra: Partial<BackendConfig> = {}): BackendConfig {
  return { name, url: `http://127.0.0.1:1/${name}`, type: 'generic', priority: 50, tlsVerify: true, ...extra };
}

export function configOf(
  names: string[] | number,
  overrides: { health?: Partial<Config['health']>; top?: Partial<Config['top']> } = {},
): Config {
  const list = typeof names === 'number' ? Array.from({ length: names }, (_, i) => `b${i}`) : names;
  return {
    source: 'test.toml',
    health: { ...DEFAULT_HEALTH, ...overrides.health },
    top: { ...DEFAULT_TOP, ...overrides.top },
    backends: list.map((n) => backend(n)),
  };
}

export const ok = (models: string[] | null = ['m1']): ProbeOutcome => ({ outcome: 'ok', models });
export const refused: ProbeOutcome = { outcome: 'failure', kind: 'connection', message: 'connection refused' };
export const loading: ProbeOutcome = { outcome: 'loading', message: 'Loading model' };

export interface ProbeCall {
  name: string;
  at: number;
  signal: AbortSignal;
}

export interface Scripted {
  probe: ProbeFn;
  calls: ProbeCall[];
  /** Probes started and not yet finished. */
  inFlight(): number;
  maxInFlight(): number;
}

/**
 * A probe that answers from a script per backend (the last entry repeats), after `latencyMs` of clock time.
 * `latencyMs` of 0 answers at once.
 */
export function scripted(
  clock: Clock,
  script: Record<string, ProbeOutcome[] | ((n: number) => ProbeOutcome)> | ((name: string, n: number) => ProbeOutcome),
  latencyMs = 0,
): Scripted {
  const calls: ProbeCall[] = [];
  const counts = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  const next = (name: string): ProbeOutcome => {
    const n = counts.get(name) ?? 0;
    counts.set(name, n + 1);
    if (typeof script === 'function') return script(name, n);
    const s = script[name] ?? [ok()];
    if (typeof s === 'function') return s(n);
    return s[Math.min(n, s.length - 1)]!;
  };
  const probe: ProbeFn = (b, signal) => {
    const startedAt = clock.now();
    calls.push({ name: b.name, at: startedAt, signal });
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const outcome = next(b.name);
    const finish = (): ProbeResult => {
      inFlight -= 1;
      const finishedAt = clock.now();
      return { ...outcome, backend: b.name, startedAt, finishedAt, latencyMs: Math.max(1, finishedAt - startedAt) };
    };
    if (latencyMs === 0) return Promise.resolve(finish());
    return new Promise((resolve) => {
      const timer = clock.setTimeout(() => resolve(finish()), latencyMs);
      signal.addEventListener('abort', () => {
        clock.clearTimeout(timer);
        resolve({ ...finish(), outcome: 'failure', kind: 'timeout', message: 'aborted' } as ProbeResult);
      });
    });
  };
  return { probe, calls, inFlight: () => inFlight, maxInFlight: () => maxInFlight };
}
