import { describe, expect, it } from 'vitest';
import { indexKeyLines } from './key-lines.js';

describe('indexKeyLines', () => {
  const text = [
    /* 1 */ '# comment with [[backends]] inside',
    /* 2 */ 'title = "x" # trailing',
    /* 3 */ '[health_check]',
    /* 4 */ 'interval_seconds = 30',
    /* 5 */ '',
    /* 6 */ '[ routing . aliases ]',
    /* 7 */ '"gpt-4" = "llama3:70b"',
    /* 8 */ "'gpt-3.5' = '''",
    /* 9 */ '[[backends]]',
    /* 10 */ "'''",
    /* 11 */ 'list = [',
    /* 12 */ '  1, # one',
    /* 13 */ '  { a = 2 },',
    /* 14 */ ']',
    /* 15 */ '[[backends]]',
    /* 16 */ 'name = "first"',
    /* 17 */ '[backends.extra]',
    /* 18 */ 'deep.key = """a',
    /* 19 */ 'b\\""""',
    /* 20 */ '[[backends]]',
    /* 21 */ 'name = "second"',
    /* 22 */ 'inline = { x = 1, y = { z = "}" } }',
    /* 23 */ 'when = 1979-05-27 07:32:00Z',
    /* 24 */ 'url = "http://h"',
  ].join('\n');
  const lines = indexKeyLines(text);

  it('finds keys, tables and quoted keys', () => {
    expect(lines.exact(['title'])).toBe(2);
    expect(lines.exact(['health_check'])).toBe(3);
    expect(lines.exact(['health_check', 'interval_seconds'])).toBe(4);
    expect(lines.exact(['routing', 'aliases'])).toBe(6);
    expect(lines.exact(['routing', 'aliases', 'gpt-4'])).toBe(7);
    expect(lines.exact(['routing', 'aliases', 'gpt-3.5'])).toBe(8);
  });

  it('skips multi-line strings, comments and arrays, recording array elements', () => {
    expect(lines.exact(['routing', 'aliases', 'list'])).toBe(11);
    expect(lines.exact(['routing', 'aliases', 'list', 0])).toBe(12);
    expect(lines.exact(['routing', 'aliases', 'list', 1])).toBe(13);
    expect(lines.exact(['routing', 'aliases', 'list', 1, 'a'])).toBe(13);
  });

  it('counts [[backends]] from 0 and follows sub-tables of the current element', () => {
    expect(lines.exact(['backends'])).toBe(15);
    expect(lines.exact(['backends', 0])).toBe(15);
    expect(lines.exact(['backends', 0, 'name'])).toBe(16);
    expect(lines.exact(['backends', 0, 'extra'])).toBe(17);
    expect(lines.exact(['backends', 0, 'extra', 'deep', 'key'])).toBe(18);
    expect(lines.exact(['backends', 1])).toBe(20);
    expect(lines.exact(['backends', 1, 'name'])).toBe(21);
    expect(lines.exact(['backends', 1, 'inline', 'y', 'z'])).toBe(22);
    expect(lines.exact(['backends', 1, 'when'])).toBe(23);
    expect(lines.exact(['backends', 1, 'url'])).toBe(24);
  });

  it('falls back to the nearest enclosing table for a missing key', () => {
    expect(lines.nearest(['backends', 0, 'url'])).toEqual({ line: 15, exact: false });
    expect(lines.nearest(['backends', 1, 'url'])).toEqual({ line: 24, exact: true });
    expect(lines.nearest(['top', 'concurrency'])).toBeUndefined();
  });

  it('ends on malformed text', () => {
    const broken = indexKeyLines('a = "unterminated\n[x\nb = [1, {c = \n= 4\n"""');
    expect(broken.exact(['a'])).toBe(1);
  });
});
