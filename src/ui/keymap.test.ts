import { describe, expect, it } from 'vitest';
import { hintSegments } from './lines.js';
import { helpLines } from './components/help-overlay.js';
import { KEYMAP, resolveKey, type ModeKind } from './keymap.js';
import { makeTheme } from './theme.js';

const theme = makeTheme({ color: false, unicode: true });

describe('keymap', () => {
  it.each(Object.keys(KEYMAP) as ModeKind[])('binds no key twice in the %s view', (mode) => {
    const keys = KEYMAP[mode].flatMap((b) => b.keys);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('binds every key the dashboard promises', () => {
    const expected: Array<[string, string]> = [
      ['up', 'up'], ['k', 'up'], ['down', 'down'], ['j', 'down'], ['g', 'top'], ['G', 'bottom'],
      ['pageup', 'page-up'], ['pagedown', 'page-down'], ['r', 'check'], ['R', 'check-all'], ['d', 'drain'],
      ['+', 'interval-up'], ['-', 'interval-down'], ['p', 'pause'], ['s', 'sort'], ['/', 'filter'],
      ['return', 'detail'], ['?', 'help'], ['q', 'quit'], ['ctrl+c', 'quit'], ['e', 'events'],
    ];
    for (const [key, action] of expected) expect(resolveKey('table', key)).toBe(action);
    expect(resolveKey('detail', 'escape')).toBe('close');
    expect(resolveKey('detail', 'return')).toBe('close');
    expect(resolveKey('filter', 'escape')).toBe('clear-filter');
    expect(resolveKey('filter', 'q')).toBeUndefined(); // q is text while filtering
    expect(resolveKey('detail', 'e')).toBe('events');
    expect(resolveKey('detail', 'up')).toBe('up'); // previous backend
    expect(resolveKey('events', 'f')).toBe('events-only');
    expect(resolveKey('events', 'escape')).toBe('close');
    expect(resolveKey('events', 'e')).toBe('close');
    expect(resolveKey('events', 'pagedown')).toBe('page-down');
  });

  it('renders the footer from the bindings of the current view, and the help from all of them', () => {
    const footer = hintSegments('table', theme).map((s) => s.text).join('');
    for (const b of KEYMAP.table.filter((b) => b.hint)) expect(footer).toContain(b.hint!);
    const help = helpLines(theme).map((l) => l.text).join('\n');
    for (const mode of ['table', 'detail', 'filter', 'events'] as const) for (const b of KEYMAP[mode]) expect(help).toContain(b.help);
    expect(hintSegments('events', theme).map((s) => s.text).join('')).toBe('Esc back  f only selected  ↑/↓ scroll  ? help  q quit');
  });
});
