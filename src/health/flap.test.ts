import { describe, expect, it } from 'vitest';
import { DEFAULT_FLAP, DEFAULT_FLAP_RULE, flapScore, flapScoreOf, flapVerdict, flapWindowMs, StatusChanges, type FlapSettings, type RawOutcome } from './flap.js';

/** The score's verdict alone: the status view can never fire. */
const nextFlapping = (was: boolean, score: number, s: FlapSettings): boolean => flapVerdict(was, score, 0, { ...s, changes: Infinity, windowMs: null }) !== null;

/** Feed outcomes one by one as probes land, returning the flapping verdict after each. */
function run(outcomes: RawOutcome[], s = DEFAULT_FLAP): { flapping: boolean[]; scores: number[] } {
  const flapping: boolean[] = [];
  const scores: number[] = [];
  let was = false;
  for (let i = 1; i <= outcomes.length; i++) {
    const score = flapScore(outcomes.slice(0, i), s.window);
    was = nextFlapping(was, score, s);
    flapping.push(was);
    scores.push(score);
  }
  return { flapping, scores };
}

const cycle = (period: number, probes: number): RawOutcome[] =>
  Array.from({ length: probes }, (_, i) => (i % period < period / 2 ? 'ok' : 'failure'));
const steady = (o: RawOutcome, n: number): RawOutcome[] => Array.from({ length: n }, () => o);

describe('flap score (Nagios percent state change)', () => {
  it('is 0 for a steady backend and 100 for one that changes on every probe', () => {
    expect(flapScore(steady('ok', 30), 21)).toBe(0);
    expect(flapScore(cycle(2, 21), 21)).toBeCloseTo(100);
  });

  it('weighs recent changes more than old ones (0.75 for the oldest, 1.25 for the newest)', () => {
    const oldChange: RawOutcome[] = ['failure', ...steady('ok', 20)];
    const newChange: RawOutcome[] = [...steady('ok', 20), 'failure'];
    expect(flapScore(oldChange, 21)).toBeCloseTo((0.75 * 100) / 20);
    expect(flapScore(newChange, 21)).toBeCloseTo((1.25 * 100) / 20);
  });

  it('reads a stretch of a ring in place as it would the same outcomes copied out', () => {
    const ring = [...cycle(3, 40), 'loading', ...cycle(2, 17)].map((outcome) => ({ outcome: outcome as RawOutcome }));
    for (const [start, end] of [[0, ring.length], [5, 30], [20, 58], [12, 13], [7, 7]] as const) {
      const copied = ring.slice(start, end).map((s) => s.outcome);
      expect(flapScoreOf(ring, 21, start, end)).toBe(flapScore(copied, 21));
    }
  });

  it('does not count loading results as changes', () => {
    const withLoading: RawOutcome[] = [...steady('ok', 10), 'loading', 'loading', ...steady('ok', 10)];
    expect(flapScore(withLoading, 21)).toBe(0);
  });
});

describe('flapping verdict with hysteresis (window 21, low 20 %, high 30 %)', () => {
  it('alternating on every probe is flapping within one window', () => {
    const { flapping } = run(cycle(2, 21));
    expect(flapping[20]).toBe(true);
    expect(flapping.indexOf(true)).toBeLessThan(21);
  });

  it.each([2, 3, 4, 5, 6])('a backend up and down with a period of %i probes is flapping', (period) => {
    const { flapping } = run(cycle(period, 60));
    expect(flapping.slice(30).every(Boolean)).toBe(true);
  });

  it('one failure in a steady run is never flapping', () => {
    const { flapping } = run([...steady('ok', 30), 'failure', ...steady('ok', 30)]);
    expect(flapping.some(Boolean)).toBe(false);
  });

  it('steady up or steady down is never flapping', () => {
    expect(run(steady('ok', 50)).flapping.some(Boolean)).toBe(false);
    expect(run(steady('failure', 50)).flapping.some(Boolean)).toBe(false);
    // An outage that starts and ends (two changes) is not flapping either.
    expect(run([...steady('ok', 20), ...steady('failure', 10), ...steady('ok', 20)]).flapping.some(Boolean)).toBe(false);
  });

  it('a score between low and high keeps the previous state', () => {
    expect(nextFlapping(true, 25, DEFAULT_FLAP)).toBe(true);
    expect(nextFlapping(false, 25, DEFAULT_FLAP)).toBe(false);
    expect(nextFlapping(false, 30, DEFAULT_FLAP)).toBe(true);
    expect(nextFlapping(true, 19.9, DEFAULT_FLAP)).toBe(false);
  });

  it('stops flapping once the backend settles down for long enough', () => {
    const { flapping } = run([...cycle(2, 30), ...steady('ok', 30)]);
    expect(flapping[29]).toBe(true);
    expect(flapping[59]).toBe(false);
  });
});

describe('the status view: status changes within the window', () => {
  const rule = DEFAULT_FLAP_RULE;

  it('starts at `changes` status changes or at the high score, whichever comes first, and says which', () => {
    expect(flapVerdict(false, 0, 3, rule)).toBeNull();
    expect(flapVerdict(false, 0, 4, rule)).toBe('changes');
    expect(flapVerdict(false, 30, 0, rule)).toBe('score');
    expect(flapVerdict(false, 45, 7, rule)).toBe('both');
  });

  it('stops only when the changes fall to `changes - 2` and the score below low (hysteresis)', () => {
    expect(flapVerdict(true, 0, 3, rule)).toBe('holding');
    expect(flapVerdict(true, 25, 0, rule)).toBe('holding');
    expect(flapVerdict(true, 19.9, 2, rule)).toBeNull();
    // Not flapping before: the same figures do not start it.
    expect(flapVerdict(false, 25, 3, rule)).toBeNull();
  });

  it('the default window is the longer of 20 intervals and 60 s; a configured one is kept, never under 2 intervals', () => {
    expect(flapWindowMs({ windowMs: null }, 1_000)).toBe(60_000);
    expect(flapWindowMs({ windowMs: null }, 30_000)).toBe(600_000);
    expect(flapWindowMs({ windowMs: 45_000 }, 1_000)).toBe(45_000);
    // The interval raised at run time past half the configured window.
    expect(flapWindowMs({ windowMs: 45_000 }, 60_000)).toBe(120_000);
  });

  it('counts healthy <-> unhealthy only: not the first verdict, not loading, not a repeat', () => {
    const c = new StatusChanges();
    const w = 60_000;
    c.note('unknown', 0, w);
    c.note('loading', 1_000, w);
    c.note('healthy', 2_000, w);
    c.note('healthy', 3_000, w);
    expect(c.count).toBe(0);
    c.note('unhealthy', 4_000, w);
    c.note('loading', 5_000, w);
    c.note('unhealthy', 6_000, w);
    expect(c.count).toBe(1);
    // Down, loading, up: one change back, loading in between is neither.
    c.note('loading', 7_000, w);
    c.note('healthy', 8_000, w);
    expect([c.count, c.first, c.last]).toEqual([2, 4_000, 8_000]);
  });

  it('forgets changes once they leave the window', () => {
    const c = new StatusChanges();
    const w = 10_000;
    c.note('healthy', 0, w);
    c.note('unhealthy', 1_000, w);
    c.note('healthy', 5_000, w);
    c.note('healthy', 10_999, w);
    expect(c.count).toBe(2);
    c.note('healthy', 11_000, w);
    expect([c.count, c.first, c.last]).toEqual([1, 5_000, 5_000]);
    c.note('healthy', 15_000, w);
    expect([c.count, c.first, c.last]).toEqual([0, null, null]);
  });
});
