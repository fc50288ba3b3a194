/**
 * Keys that arrive together: over a slow link, from fast typing, a paste, or tmux `send-keys j j Enter`,
 * several keys come in one read. Each must act, in order, as if it had come alone.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configOf, loading, ok, refused } from '../../test/helpers/fleet.js';
import { KEYS, renderApp, spyActions, storeWith } from '../../test/helpers/render-app.js';

type Rendered = ReturnType<typeof renderApp>;
let app: Rendered | undefined;
afterEach(() => {
  app?.unmount();
  app = undefined;
});

const fleet = () =>
  storeWith(configOf(['alpha', 'bravo', 'charlie', 'delta']), {
    alpha: [ok(['llama3:8b'])],
    bravo: [refused],
    charlie: [loading],
    delta: [ok(['m'])],
  });

const selectedRow = (screen: string): string => screen.split('\n').find((l) => l.startsWith('›')) ?? '';
const footer = (screen: string): string => screen.trimEnd().split('\n').at(-1) ?? '';
/** The names in the table, in order. */
const names = (screen: string): string[] =>
  screen
    .split('\n')
    .map((l) => /^[ ›][ ↻] (alpha|bravo|charlie|delta)\s/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined);
const ALL = ['alpha', 'bravo', 'charlie', 'delta'];
/** The detail pane of a backend is open (its name alone on a line, the table's header gone). */
const detailOf = (screen: string, name: string): boolean => new RegExp(`^${name}$`, 'm').test(screen) && !screen.includes('LAST ERROR');

const PASTE_START = '\u001b[200~';
const PASTE_END = '\u001b[201~';

async function open(options: Parameters<typeof renderApp>[1] = {}): Promise<Rendered> {
  app = renderApp(fleet().store, options);
  await vi.waitFor(() => expect(app!.screen()).toContain('NAME'));
  return app;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('keys that arrive in one read', () => {
  it('g j j Enter in one write opens the detail of the third row', async () => {
    const a = await open();
    await a.press('G');
    await vi.waitFor(() => expect(selectedRow(a.screen())).toContain('delta'));
    a.stdin.write('gjj\r');
    await vi.waitFor(() => expect(detailOf(a.screen(), 'charlie')).toBe(true));
  });

  it('arrows, PgUp/PgDn and letters mixed in one write act in order', async () => {
    const a = await open();
    a.stdin.write(`${KEYS.down}${KEYS.down}j${KEYS.up}`);
    await vi.waitFor(() => expect(selectedRow(a.screen())).toContain('charlie'));
    a.stdin.write(`${KEYS.pageUp}j${KEYS.pageDown}k`);
    await vi.waitFor(() => expect(selectedRow(a.screen())).toContain('charlie'));
  });

  it('every command key of a chunk acts, in order, on the row selected at that point', async () => {
    const actions = spyActions();
    const a = await open({ actions });
    a.stdin.write('jrdjdR+-p');
    await vi.waitFor(() => expect(actions.setPaused).toHaveBeenCalledTimes(1));
    expect(actions.checkNow.mock.calls).toEqual([['bravo'], []]);
    expect(actions.toggleDrain.mock.calls).toEqual([['bravo'], ['charlie']]);
    expect(actions.setIntervalMs.mock.calls).toEqual([[60_000], [15_000]]);
    expect(actions.setPaused).toHaveBeenCalledWith(true);
    const order = (fn: { mock: { invocationCallOrder: number[] } }) => fn.mock.invocationCallOrder;
    // r, d (bravo), d (charlie), R, +, -, p.
    expect(order(actions.checkNow)[0]).toBeLessThan(order(actions.toggleDrain)[0]!);
    expect(order(actions.toggleDrain)[1]).toBeLessThan(order(actions.checkNow)[1]!);
    expect(order(actions.checkNow)[1]).toBeLessThan(order(actions.setIntervalMs)[0]!);
    expect(order(actions.setIntervalMs)[1]).toBeLessThan(order(actions.setPaused)[0]!);
  });

  it('keys that change the view act in the view they open: Enter j e, then ? Esc Esc, then s', async () => {
    const a = await open();
    a.stdin.write('\rje');
    await vi.waitFor(() => expect(a.screen()).toMatch(/^Event log/m));
    // The log was opened from the detail of bravo (j moved it there): Esc goes back to it.
    a.stdin.write(`?${KEYS.escape}${KEYS.escape}`);
    await vi.waitFor(() => expect(detailOf(a.screen(), 'bravo')).toBe(true));
    a.stdin.write(`${KEYS.escape}s`);
    await vi.waitFor(() => expect(a.screen()).toContain('sort: status'));
    expect(selectedRow(a.screen())).toContain('bravo');
  });

  it('/ and text in one write filter; the Enter after it keeps the filter and the next keys move in it', async () => {
    const a = await open();
    a.stdin.write('/ha');
    await vi.waitFor(() => expect(footer(a.screen())).toMatch(/^\/ha_/));
    expect(names(a.screen())).toEqual(['alpha', 'charlie']);
    a.stdin.write('rl\rj');
    await vi.waitFor(() => expect(a.screen()).toContain('filter: harl'));
    expect(names(a.screen())).toEqual(['charlie']);
    expect(footer(a.screen())).toMatch(/move\s+Enter details/);
    // Backspace in a chunk edits the text.
    a.stdin.write(`/${KEYS.backspace}${KEYS.backspace}${KEYS.backspace}lta`);
    await vi.waitFor(() => expect(footer(a.screen())).toMatch(/^\/hlta_/));
  });

  it('nothing acts after q in the same read', async () => {
    const actions = spyActions();
    const a = await open({ actions });
    a.stdin.write('qdr');
    await vi.waitFor(() => expect(actions.quit).toHaveBeenCalledTimes(1));
    await sleep(30);
    expect(actions.toggleDrain).not.toHaveBeenCalled();
    expect(actions.checkNow).not.toHaveBeenCalled();
  });

  it('q or Ctrl-C at the end of a chunk still quits; in the filter q is text', async () => {
    const actions = spyActions();
    const a = await open({ actions });
    a.stdin.write('jjq');
    await vi.waitFor(() => expect(actions.quit).toHaveBeenCalledTimes(1));
    a.stdin.write('/q');
    await vi.waitFor(() => expect(footer(a.screen())).toMatch(/^\/q_/));
    expect(actions.quit).toHaveBeenCalledTimes(1);
    a.stdin.write(`x${KEYS.ctrlC}`);
    await vi.waitFor(() => expect(actions.quit).toHaveBeenCalledTimes(2));
  });

  it('Esc followed by a key in the same read is Esc, then that key (not Alt+key)', async () => {
    const a = await open();
    a.stdin.write('/del\r');
    await vi.waitFor(() => expect(a.screen()).toContain('filter: del'));
    a.stdin.write(`${KEYS.escape}j`);
    await vi.waitFor(() => expect(a.screen()).not.toContain('filter: del'));
    expect(selectedRow(a.screen())).toContain('bravo');
    // And Esc before Ctrl-C: the quit is not lost.
    const actions = spyActions();
    a.unmount();
    const b = await open({ actions });
    b.stdin.write(`${KEYS.escape}${KEYS.ctrlC}`);
    await vi.waitFor(() => expect(actions.quit).toHaveBeenCalledTimes(1));
  });
});

describe('escape sequences across reads', () => {
  it('an arrow split across two reads (ESC, then [B) is one key', async () => {
    const a = await open();
    a.stdin.write('\u001b');
    await sleep(15);
    a.stdin.write('[B');
    await vi.waitFor(() => expect(selectedRow(a.screen())).toContain('bravo'));
    // Nothing else happened: no Esc, no stray "[" or "B".
    a.stdin.write('\u001b[');
    await sleep(15);
    a.stdin.write('B');
    await vi.waitFor(() => expect(selectedRow(a.screen())).toContain('charlie'));
  });

  it('a lone Esc acts after a short wait', async () => {
    const a = await open();
    a.stdin.write('/del');
    await vi.waitFor(() => expect(footer(a.screen())).toMatch(/^\/del_/));
    a.stdin.write(KEYS.escape);
    await vi.waitFor(() => expect(names(a.screen())).toEqual(ALL), { timeout: 2_000 });
    expect(a.screen()).not.toContain('filter:');
    expect(footer(a.screen())).toMatch(/move\s+Enter details/);
  });
});

describe('a paste (bracketed, as the terminal marks it)', () => {
  it('lands in the filter whole, control characters and escapes left out', async () => {
    const a = await open();
    a.stdin.write('/');
    await vi.waitFor(() => expect(footer(a.screen())).toMatch(/^\/_/));
    a.stdin.write(`${PASTE_START}de\u0007l\u001b[31m\r${PASTE_END}`);
    await vi.waitFor(() => expect(footer(a.screen())).toMatch(/^\/del_/));
    expect(names(a.screen())).toEqual(['delta']);
    // The Enter inside the paste did not apply the filter: still editing.
    a.stdin.write('ta');
    await vi.waitFor(() => expect(footer(a.screen())).toMatch(/^\/delta_/));
  });

  it('split over several reads is still one paste', async () => {
    const a = await open();
    a.stdin.write('/');
    await vi.waitFor(() => expect(footer(a.screen())).toMatch(/^\/_/));
    a.stdin.write(`${PASTE_START}ch`);
    await sleep(15);
    a.stdin.write(`ar`);
    await sleep(15);
    a.stdin.write(`lie${PASTE_END}`);
    await vi.waitFor(() => expect(footer(a.screen())).toMatch(/^\/charlie_/));
  });

  it('in the table it opens the filter with the text: pasted letters are not commands', async () => {
    const actions = spyActions();
    const a = await open({ actions });
    a.stdin.write(`${PASTE_START}qrd${PASTE_END}`);
    await vi.waitFor(() => expect(footer(a.screen())).toMatch(/^\/qrd_/));
    expect(a.screen()).toContain('no backend matches the filter');
    expect(actions.quit).not.toHaveBeenCalled();
    expect(actions.checkNow).not.toHaveBeenCalled();
    expect(actions.toggleDrain).not.toHaveBeenCalled();
  });

  it('a paste whose end never comes is ended after a while, and keys act again', async () => {
    const a = await open();
    a.stdin.write(`/${PASTE_START}ha`);
    await vi.waitFor(() => expect(footer(a.screen())).toMatch(/^\/ha_/), { timeout: 3_000 });
    expect(names(a.screen())).toEqual(['alpha', 'charlie']);
    a.stdin.write('\rj');
    await vi.waitFor(() => expect(selectedRow(a.screen())).toContain('charlie'));
    expect(a.screen()).toContain('filter: ha');
  });

  it('keys after the paste in the same read act as keys', async () => {
    const a = await open();
    a.stdin.write(`/${PASTE_START}ha${PASTE_END}\rj`);
    await vi.waitFor(() => expect(a.screen()).toContain('filter: ha'));
    expect(names(a.screen())).toEqual(['alpha', 'charlie']);
    expect(footer(a.screen())).toMatch(/move\s+Enter details/);
    expect(selectedRow(a.screen())).toContain('charlie');
  });
});
