import { describe, expect, it } from 'vitest';
import { wantsColor, wantsUnicode } from './theme.js';

describe('terminal detection', () => {
  it('turns colour off for NO_COLOR or --no-color, on for FORCE_COLOR, else follows the TTY', () => {
    expect(wantsColor({}, true, true)).toBe(true);
    expect(wantsColor({}, true, false)).toBe(false);
    expect(wantsColor({ NO_COLOR: '1' }, true, true)).toBe(false);
    expect(wantsColor({ NO_COLOR: '' }, true, true)).toBe(true);
    expect(wantsColor({}, false, true)).toBe(false);
    expect(wantsColor({ FORCE_COLOR: '1' }, true, false)).toBe(true);
    expect(wantsColor({ FORCE_COLOR: '0' }, true, true)).toBe(false);
    expect(wantsColor({ TERM: 'dumb' }, true, true)).toBe(false);
  });

  it('draws Unicode only in a UTF-8 locale (LC_ALL, then LC_CTYPE, then LANG)', () => {
    expect(wantsUnicode({ LANG: 'en_US.UTF-8' })).toBe(true);
    expect(wantsUnicode({ LANG: 'C.utf8' })).toBe(true);
    expect(wantsUnicode({ LANG: 'C' })).toBe(false);
    expect(wantsUnicode({})).toBe(false);
    expect(wantsUnicode({ LC_ALL: 'C', LANG: 'en_US.UTF-8' })).toBe(false);
    expect(wantsUnicode({ LC_CTYPE: 'en_US.UTF-8', LANG: 'C' })).toBe(true);
  });
});
