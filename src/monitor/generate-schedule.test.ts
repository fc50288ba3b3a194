/** The generation check's schedule on a fake clock: interval, spread, off, cloud types, pause, stop, checkNow, reload. */
import { describe, expect, it } from 'vitest';
import { fakeClock, type FakeClock } from '../../test/helpers/fake-clock.js';
import { backend, configOf } from '../../test/helpers/fleet.js';
import type { BackendConfig, Config } from '../config/types.js';
import type { GenerationResult } from '../core/load.js';
import { createGenerationSchedule, type GenerationAsker } from './generate-schedule.js';

interface Call {
  name: string;
  at: number;
  named: string | undefined;
  listed: readonly string[];
}

/** A checker answering after `latencyMs` of fake time. */
function asker(clock: FakeClock, latencyMs = 0): GenerationAsker & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    check(b: BackendConfig, named, listed, signal) {
      calls.push({ name: b.name, at: clock.now(), named, listed });
      const result = (): GenerationResult => ({ backend: b.name, at: clock.now(), ok: true, model: named ?? listed[0] ?? null, ttftMs: 5, error: null, skipped: null });
      if (latencyMs === 0) return Promise.resolve(result());
      return new Promise((resolve) => {
        const timer = clock.setTimeout(() => resolve(result()), latencyMs);
        // As the prober does: a cancelled check ends at once.
        signal?.addEventListener('abort', () => {
          clock.clearTimeout(timer);
          resolve({ ...result(), ok: false, error: { kind: 'timeout', message: 'cancelled' } });
        });
      });
    },
  };
}

function setup(config: Config, latencyMs = 0) {
  const clock = fakeClock(0);
  const checker = asker(clock, latencyMs);
  const published: GenerationResult[] = [];
  const schedule = createGenerationSchedule({ config, clock, checker, modelsOf: (name) => [`${name}-model`], publish: (r) => published.push(r), random: () => 0.5 });
  return { clock, checker, published, schedule };
}

const fleetOf = (top: Partial<Config['top']>, backends: BackendConfig[] = [backend('a', { type: 'vllm' }), backend('b', { type: 'llamacpp' })]): Config => {
  const config = configOf([], { top });
  config.backends = backends;
  return config;
};

describe('generation schedule', () => {
  it('asks each backend every interval, first rounds spread within the first second, the listed model passed', async () => {
    const { clock, checker, published, schedule } = setup(fleetOf({ generateIntervalMs: 60_000 }));
    schedule.start();
    await clock.advance(499);
    expect(checker.calls).toHaveLength(0);
    await clock.advance(1);
    expect(checker.calls.map((c) => [c.name, c.at])).toEqual([
      ['a', 500],
      ['b', 500],
    ]);
    expect(checker.calls[0]!.listed).toEqual(['a-model']);
    await clock.advance(60_000);
    expect(checker.calls.map((c) => c.at)).toEqual([500, 500, 60_500, 60_500]);
    expect(published).toHaveLength(4);
    await schedule.stop();
  });

  it('the next round starts an interval after the last one started, however long a check took', async () => {
    const { clock, checker, schedule } = setup(fleetOf({ generateIntervalMs: 10_000 }, [backend('a', { type: 'vllm' })]), 3_000);
    schedule.start();
    await clock.advance(30_600);
    expect(checker.calls.map((c) => c.at)).toEqual([500, 10_500, 20_500, 30_500]);
    await schedule.stop();
  });

  it('off (the default): nothing is asked, checkNow resolves at once', async () => {
    const { clock, checker, schedule } = setup(fleetOf({}));
    expect(schedule.enabled()).toBe(false);
    schedule.start();
    await schedule.checkNow();
    await clock.advance(600_000);
    expect(checker.calls).toHaveLength(0);
    expect(clock.pendingCount()).toBe(0);
  });

  it('cloud types only when named in [top.generate_models], with that model; tcp-only checks never', async () => {
    const backends = [backend('oa', { type: 'openai' }), backend('claude', { type: 'anthropic' }), backend('gem', { type: 'google' }), backend('port', { type: 'vllm', check: { kind: 'tcp', also: false } })];
    const { clock, checker, schedule } = setup(fleetOf({ generateIntervalMs: 60_000, generateModels: { claude: 'claude-haiku' } }, backends));
    schedule.start();
    await clock.advance(1_000);
    expect(checker.calls.map((c) => [c.name, c.named])).toEqual([['claude', 'claude-haiku']]);
    await schedule.stop();
  });

  it('pause stops the rounds, resume starts them again; stop cancels everything', async () => {
    const { clock, checker, schedule } = setup(fleetOf({ generateIntervalMs: 10_000 }, [backend('a', { type: 'vllm' })]));
    schedule.start();
    await clock.advance(1_000);
    schedule.pause();
    await clock.advance(60_000);
    expect(checker.calls).toHaveLength(1);
    schedule.resume();
    await clock.advance(1_000);
    expect(checker.calls).toHaveLength(2);
    await schedule.stop();
    await clock.advance(60_000);
    expect(checker.calls).toHaveLength(2);
    expect(clock.pendingCount()).toBe(0);
  });

  it('checkNow asks now and resolves when published (--once), without waiting for the schedule', async () => {
    const { checker, published, schedule } = setup(fleetOf({ generateIntervalMs: 60_000 }));
    await schedule.checkNow();
    expect(checker.calls.map((c) => c.name)).toEqual(['a', 'b']);
    expect(published.map((r) => r.backend)).toEqual(['a', 'b']);
    await schedule.checkNow('b');
    expect(checker.calls.map((c) => c.name)).toEqual(['a', 'b', 'b']);
  });

  it('a reload can turn it on, off, and name another model', async () => {
    const off = fleetOf({});
    const { clock, checker, schedule } = setup(off);
    schedule.start();
    await clock.advance(5_000);
    expect(checker.calls).toHaveLength(0);
    const on = fleetOf({ generateIntervalMs: 10_000, generateModels: { a: 'named' } });
    schedule.reconfigure(on, { added: [], removed: [], replaced: [], relabelled: [], settings: true });
    await clock.advance(1_000);
    expect(checker.calls.map((c) => [c.name, c.named])).toEqual([
      ['a', 'named'],
      ['b', undefined],
    ]);
    schedule.reconfigure(off, { added: [], removed: [], replaced: [], relabelled: [], settings: true });
    await clock.advance(60_000);
    expect(checker.calls).toHaveLength(2);
    expect(clock.pendingCount()).toBe(0);
    await schedule.stop();
  });
});
