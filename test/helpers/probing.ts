import type { BackendConfig, BackendType } from '../../src/config/types.js';
import type { ProbeResult } from '../../src/core/outcome.js';

/** A backend named `b1` at `url`, as probe tests need one. */
export const backendAt = (url: string, type: BackendType, extra: Partial<BackendConfig> = {}): BackendConfig => ({
  name: 'b1',
  url,
  type,
  priority: 50,
  tlsVerify: true,
  ...extra,
});

/** Time a probe, ms. */
export async function timed(run: Promise<ProbeResult>): Promise<[ProbeResult, number]> {
  const t0 = performance.now();
  const result = await run;
  return [result, performance.now() - t0];
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
