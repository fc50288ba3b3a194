import { describe, expect, it } from 'vitest';
import type { ProbeOutcome } from '../core/outcome.js';
import { failureUnconfirmed, initialHealth, nextEma, nextHealth, type HealthState } from './state.js';

const t = { failureThreshold: 3, recoveryThreshold: 2 };
const ok: ProbeOutcome = { outcome: 'ok', models: [] };
const fail: ProbeOutcome = { outcome: 'failure', kind: 'connection', message: 'connection refused' };
const loading: ProbeOutcome = { outcome: 'loading', message: 'Loading model' };

function run(outcomes: ProbeOutcome[], from: HealthState = initialHealth(0)): HealthState[] {
  const states: HealthState[] = [];
  let s = from;
  outcomes.forEach((o, i) => {
    s = nextHealth(s, o, t, (i + 1) * 1000);
    states.push(s);
  });
  return states;
}

describe('health state machine', () => {
  it('lets the first result decide from unknown', () => {
    expect(run([ok])[0]!.health).toBe('healthy');
    expect(run([fail])[0]!.health).toBe('unhealthy');
    expect(run([loading])[0]!.health).toBe('loading');
  });

  it('needs failure_threshold consecutive failures to call a healthy backend unhealthy', () => {
    const states = run([ok, fail, fail, fail]);
    expect(states.map((s) => s.health)).toEqual(['healthy', 'healthy', 'healthy', 'unhealthy']);
    expect(states[3]!.consecutiveFailures).toBe(3);
    expect(states[3]!.since).toBe(4000);
  });

  it('does not count a blip: a success between failures resets the count', () => {
    const states = run([ok, fail, fail, ok, fail, fail]);
    expect(states.every((s) => s.health === 'healthy')).toBe(true);
    expect(states[5]!.consecutiveFailures).toBe(2);
  });

  it('needs recovery_threshold consecutive successes to recover', () => {
    const states = run([fail, ok, fail, ok, ok]);
    expect(states.map((s) => s.health)).toEqual(['unhealthy', 'unhealthy', 'unhealthy', 'unhealthy', 'healthy']);
    expect(states[4]!.since).toBe(5000);
  });

  it('keeps `since` while the health does not change', () => {
    const states = run([ok, ok, fail, ok]);
    expect(states.map((s) => s.since)).toEqual([1000, 1000, 1000, 1000]);
  });

  it('treats loading as alive, not failing, and leaves it on the next success', () => {
    const states = run([ok, loading, loading, ok]);
    expect(states.map((s) => s.health)).toEqual(['healthy', 'loading', 'loading', 'healthy']);
    expect(states[2]!.consecutiveFailures).toBe(0);
  });

  it('turns a loading backend unhealthy only after the failure threshold', () => {
    const states = run([loading, fail, fail, fail]);
    expect(states.map((s) => s.health)).toEqual(['loading', 'loading', 'loading', 'unhealthy']);
  });

  it('goes from unhealthy to loading when the server comes back and says it is loading', () => {
    expect(run([fail, loading]).map((s) => s.health)).toEqual(['unhealthy', 'loading']);
  });

  it('reports a failure as unconfirmed only between the first failure and the threshold', () => {
    const states = run([ok, fail, fail, fail]);
    expect(states.map((s) => failureUnconfirmed(s, t))).toEqual([false, true, true, false]);
    expect(failureUnconfirmed(run([fail])[0]!, t)).toBe(false);
  });

  it('with a threshold of 1 a single failure is an outage', () => {
    const s = nextHealth(nextHealth(initialHealth(0), ok, { failureThreshold: 1, recoveryThreshold: 1 }, 1), fail, { failureThreshold: 1, recoveryThreshold: 1 }, 2);
    expect(s.health).toBe('unhealthy');
  });
});

describe('latency EMA', () => {
  it('starts at the first sample and moves a fifth of the way to each new one (Nexus: (s + 4·old)/5)', () => {
    let ema: number | null = null;
    ema = nextEma(ema, 100);
    expect(ema).toBe(100);
    ema = nextEma(ema, 200);
    expect(ema).toBeCloseTo((200 + 4 * 100) / 5);
    ema = nextEma(ema, 50);
    expect(ema).toBeCloseTo((50 + 4 * 120) / 5);
  });
});
