import { describe, expect, it } from 'vitest';
import { drainedIn, emptyFleets, parseState, serializeState, withDrain, type DrainedFleets } from './drain-file.js';

const T1 = Date.parse('2026-11-24T10:00:00.000Z');
const T2 = Date.parse('2026-11-24T11:30:00.000Z');

const ok = (text: string): DrainedFleets => {
  const parsed = parseState(text);
  if (parsed.kind !== 'ok') throw new Error(`expected ok, got ${parsed.kind}: ${'problem' in parsed ? parsed.problem : ''}`);
  return parsed.fleets;
};

describe('drain state file (pure)', () => {
  it('serializes the documented format and reads it back', () => {
    const fleets = withDrain(withDrain(emptyFleets(), '/etc/nexus/nexus.toml', 'gpu-2', true, T1), 'demo', 'ollama-gone', true, T2);
    const text = serializeState(fleets);
    expect(JSON.parse(text)).toEqual({
      version: 1,
      fleets: {
        '/etc/nexus/nexus.toml': { drained: { 'gpu-2': '2026-11-24T10:00:00.000Z' } },
        demo: { drained: { 'ollama-gone': '2026-11-24T11:30:00.000Z' } },
      },
    });
    expect(text.endsWith('\n')).toBe(true);
    const back = ok(text);
    expect([...drainedIn(back, '/etc/nexus/nexus.toml')]).toEqual([['gpu-2', T1]]);
    expect([...drainedIn(back, 'demo')]).toEqual([['ollama-gone', T2]]);
    expect(serializeState(back)).toBe(text);
  });

  it('an update touches only its fleet and name; other fleets are preserved', () => {
    const start = ok(
      JSON.stringify({
        version: 1,
        fleets: {
          '/a.toml': { drained: { x: '2026-01-01T00:00:00.000Z', y: '2026-01-02T00:00:00.000Z' } },
          '/b.toml': { drained: { x: '2026-01-03T00:00:00.000Z' } },
        },
      }),
    );
    const next = withDrain(start, '/a.toml', 'x', false, T1);
    expect([...drainedIn(next, '/a.toml').keys()]).toEqual(['y']);
    expect([...drainedIn(next, '/b.toml')]).toEqual([['x', Date.parse('2026-01-03T00:00:00.000Z')]]);
    // The input is not mutated.
    expect([...drainedIn(start, '/a.toml').keys()]).toEqual(['x', 'y']);
  });

  it('draining a drained backend keeps the first time; no-ops return the same object', () => {
    const once = withDrain(emptyFleets(), 'demo', 'a', true, T1);
    expect(withDrain(once, 'demo', 'a', true, T2)).toBe(once);
    expect(drainedIn(once, 'demo').get('a')).toBe(T1);
    const none = emptyFleets();
    expect(withDrain(none, 'demo', 'a', false, T1)).toBe(none);
  });

  it('a fleet with nothing drained is left out of the file', () => {
    const fleets = withDrain(withDrain(emptyFleets(), 'demo', 'a', true, T1), 'demo', 'a', false, T2);
    expect(JSON.parse(serializeState(fleets))).toEqual({ version: 1, fleets: {} });
  });

  it('names that look like prototype keys are plain data', () => {
    const fleets = withDrain(emptyFleets(), 'demo', 'constructor', true, T1);
    expect(JSON.parse(serializeState(fleets)).fleets.demo.drained).toEqual({ constructor: '2026-11-24T10:00:00.000Z' });
    expect([...drainedIn(ok(serializeState(fleets)), 'demo').keys()]).toEqual(['constructor']);
    expect(drainedIn(emptyFleets(), 'toString').size).toBe(0);
  });

  it('accepts unknown extra fields and timestamps with an offset', () => {
    const fleets = ok('{"version":1,"note":"hi","fleets":{"demo":{"drained":{"a":"2026-11-24T11:00:00+01:00"},"extra":true}}}');
    expect(drainedIn(fleets, 'demo').get('a')).toBe(T1);
  });

  it.each([
    ['empty file', '', /not valid JSON/],
    ['truncated JSON', '{"version":1,"fleets":{', /not valid JSON/],
    ['not an object', '[1,2]', /unexpected content/],
    ['null', 'null', /unexpected content/],
    ['no version', '{"fleets":{}}', /unexpected content at version/],
    ['an older/unknown version 0', '{"version":0,"fleets":{}}', /unexpected content at version/],
    ['fleets not an object', '{"version":1,"fleets":[]}', /unexpected content at fleets/],
    ['drained missing', '{"version":1,"fleets":{"demo":{}}}', /unexpected content at fleets\.demo\.drained/],
    ['a bad time', '{"version":1,"fleets":{"demo":{"drained":{"a":"yesterday"}}}}', /at fleets\.demo\.drained\.a: .*datetime/i],
    ['a time that is a number', '{"version":1,"fleets":{"demo":{"drained":{"a":1}}}}', /at fleets\.demo\.drained\.a/],
  ])('corrupt: %s → a one-line problem and nothing drained', (_label, text, problem) => {
    const parsed = parseState(text);
    expect(parsed.kind).toBe('corrupt');
    if (parsed.kind !== 'corrupt') return;
    expect(parsed.problem).toMatch(problem);
    expect(parsed.problem).not.toMatch(/[\n\r]/);
    expect(parsed.fleets.size).toBe(0);
  });

  it('a newer version is reported as such, not as corrupt', () => {
    const parsed = parseState('{"version":2,"fleets":{"demo":{"drained":{"a":"2026-11-24T10:00:00.000Z"}}}}');
    expect(parsed.kind).toBe('newer');
    if (parsed.kind === 'newer') expect(parsed.problem).toMatch(/version 2 is newer/);
    expect(parsed.fleets.size).toBe(0);
  });

  it('control characters in a JSON error never reach the problem text', () => {
    const parsed = parseState('{"a":\u001b[31m\n}');
    expect(parsed.kind).toBe('corrupt');
    if (parsed.kind === 'corrupt') expect(parsed.problem).not.toMatch(/[\u0000-\u001f]/);
  });
});
