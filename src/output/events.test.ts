import { describe, expect, it } from 'vitest';
import type { FleetEvent } from '../store/types.js';
import { eventJson, eventLine } from './events.js';

const T = Date.UTC(2026, 10, 24, 10, 41, 7, 113);
const ISO = '2026-11-24T10:41:07.113Z';

describe('events on the wire (CONTRACT.md "Events")', () => {
  it('a status change: ts as ISO-8601, from/to, the failure kind and message', () => {
    const e: FleetEvent = { ts: T, type: 'status', backend: 'gpu1', from: 'healthy', to: 'unhealthy', kind: 'timeout', message: 'no answer in 5s' };
    expect(eventLine(e)).toBe(
      `{"ts":"${ISO}","type":"status","backend":"gpu1","from":"healthy","to":"unhealthy","kind":"timeout","message":"no answer in 5s"}\n`,
    );
  });

  it('a status change without a failure still has kind and message, as null (one shape for consumers)', () => {
    expect(eventJson({ ts: T, type: 'status', backend: 'gpu1', from: 'unhealthy', to: 'healthy' })).toEqual({
      ts: ISO,
      type: 'status',
      backend: 'gpu1',
      from: 'unhealthy',
      to: 'healthy',
      kind: null,
      message: null,
    });
    expect(eventJson({ ts: T, type: 'status', backend: 'l', from: 'unknown', to: 'loading', message: 'Loading model' })).toMatchObject({
      kind: null,
      message: 'Loading model',
    });
  });

  it('flap events carry the status changes and the score; interval from_ms/to_ms; drain, pause have no more than they need', () => {
    expect(eventJson({ ts: T, type: 'flap_start', backend: 'b', score: 34.7, changes: 1 })).toEqual({ ts: ISO, type: 'flap_start', backend: 'b', changes: 1, score: 34.7 });
    expect(eventJson({ ts: T, type: 'flap_stop', backend: 'b', score: 12, changes: 2 })).toEqual({ ts: ISO, type: 'flap_stop', backend: 'b', changes: 2, score: 12 });
    expect(eventJson({ ts: T, type: 'interval', from_ms: 2000, to_ms: 5000 })).toEqual({ ts: ISO, type: 'interval', from_ms: 2000, to_ms: 5000 });
    expect(eventJson({ ts: T, type: 'drain', backend: 'b' })).toEqual({ ts: ISO, type: 'drain', backend: 'b' });
    expect(eventJson({ ts: T, type: 'undrain', backend: 'b' })).toEqual({ ts: ISO, type: 'undrain', backend: 'b' });
    expect(eventJson({ ts: T, type: 'pause' })).toEqual({ ts: ISO, type: 'pause' });
    expect(eventJson({ ts: T, type: 'resume' })).toEqual({ ts: ISO, type: 'resume' });
  });

  it('one line each: the line ends in one newline and a message cannot break it', () => {
    const line = eventLine({ ts: T, type: 'status', backend: 'b', from: 'healthy', to: 'unhealthy', kind: 'http', message: 'a\nb"c' });
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toMatchObject({ message: 'a\nb"c' });
  });
});
