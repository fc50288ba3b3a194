import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['5s', 5000],
    ['1m', 60_000],
    ['1.5s', 1500],
    ['2m30s', 150_000],
    ['2m 30s', 150_000],
    ['1h', 3_600_000],
    ['0.2s', 200],
    ['.5s', 500],
    ['10 sec', 10_000],
    ['5', 5000],
    ['0.25', 250],
    [' 3s ', 3000],
    ['1.1s', 1100],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', ' ', 'fast', '5x', '5s3x', 'abc5s', '5s!', '-5s', '-5', '+5s', '0', '0s', '0ms', '1ns', 'NaN', 'Infinity', 'inf', '1e3', 's', '5 s s'])(
    'rejects %j',
    (text) => {
      expect(parseDuration(text)).toBeNull();
    },
  );
});
