/**
 * Keys of the live dashboard, typed into a real terminal (tmux) running the built binary.
 * Each test has its own terminal (own tmux server), so they run concurrently.
 */
import { afterAll, describe, it } from 'vitest';
import { KEYMAP, keyLabel } from '../../src/ui/keymap.js';
import { killAllTerminals, withTerminal, type Screen } from '../helpers/tmux.js';
import { DEMO_NAMES, HEADER, TEST_TIMEOUT, WAIT, dashboardReady, rowOf } from './demo.js';

afterAll(killAllTerminals);

const ready = 'the demo table with every backend probed';
const names = (s: Screen): string[] => DEMO_NAMES.filter((n) => rowOf(s, n) !== undefined);
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every binding of every view as the help shows it: its keys, then its description, in full. */
const HELP_ENTRIES = (['table', 'detail', 'filter'] as const).flatMap((mode) =>
  KEYMAP[mode].map((b) => {
    const keys = b.keys.map((k) => keyLabel(k, true)).join(' ');
    return { mode, keys, help: b.help, pattern: new RegExp(`(^|\\s)${escape(keys)}\\s+${escape(b.help)}(\\s|$)`) };
  }),
);
const missingHelp = (s: Screen): string[] =>
  HELP_ENTRIES.filter((e) => !s.lines.some((l) => e.pattern.test(l))).map((e) => `${e.mode}: ${e.keys}  ${e.help}`);

describe.concurrent('keys', () => {
  it(
    '+ and - step the probe interval shown in the header (2s → 5s → 2s → 1s)',
    ({ expect }) =>
      withTerminal('interval', { cols: 100, rows: 30, args: ['--demo'] }, async (t) => {
        const s = await t.waitForScreen(dashboardReady, WAIT, ready);
        expect(s.lines[0]).toContain('every 2s');
        const interval = (want: string) => (x: Screen) => HEADER.test(x.lines[0] ?? '') && (x.lines[0] ?? '').includes(`every ${want} `);
        await t.keys('+');
        await t.waitForScreen(interval('5s'), WAIT, '"every 5s" in the header after +');
        await t.keys('-');
        await t.waitForScreen(interval('2s'), WAIT, '"every 2s" in the header after -');
        await t.keys('-');
        await t.waitForScreen(interval('1s'), WAIT, '"every 1s" in the header after a second -');
      }),
    TEST_TIMEOUT,
  );

  it(
    '/ filters the rows as you type; Enter keeps the filter, Esc clears it',
    ({ expect }) =>
      withTerminal('filter', { cols: 100, rows: 30, args: ['--demo'] }, async (t) => {
        await t.waitForScreen(dashboardReady, WAIT, ready);
        await t.keys('/');
        await t.waitForScreen((s) => /^\/_ /.test(s.lines[28] ?? ''), WAIT, 'the filter prompt "/_" in the footer');
        await t.type('ollama');
        let s = await t.waitForScreen((x) => names(x).join(',') === 'ollama-gone,ollama-gpu1', WAIT, 'only the two ollama rows');
        expect(s.lines[0]).toContain('filter: ollama');
        expect(s.lines[28]).toMatch(/^\/ollama_/);
        // Esc while typing clears it.
        await t.keys('Escape');
        s = await t.waitForScreen((x) => names(x).length === DEMO_NAMES.length, WAIT, 'every row back after Esc');
        expect(s.lines[0]).not.toContain('filter:');
        expect(s.lines[28]).toMatch(/move\s+Enter details/);
        // Enter keeps it; then Esc in the table clears it.
        await t.keys('/');
        await t.waitForScreen((x) => /^\/_ /.test(x.lines[28] ?? ''), WAIT, 'the filter prompt again');
        await t.type('ollama');
        await t.waitForScreen((x) => names(x).length === 2, WAIT, 'two rows');
        await t.keys('Enter');
        s = await t.waitForScreen((x) => /move\s+Enter details/.test(x.lines[28] ?? ''), WAIT, 'the table footer after Enter');
        expect(names(s)).toEqual(['ollama-gone', 'ollama-gpu1']);
        expect(s.lines[0]).toContain('filter: ollama');
        await t.keys('Escape');
        s = await t.waitForScreen((x) => names(x).length === DEMO_NAMES.length, WAIT, 'every row back after Esc');
        expect(s.lines[0]).not.toContain('filter:');
      }),
    TEST_TIMEOUT,
  );

  // tmux writes the keys of one `send-keys` call to the program in one chunk, as a slow link or fast
  // typing does: each must act as if it had come alone.
  it(
    'keys sent together act in order: g j j Enter opens the third row; Escape j Enter the fourth; ↑ k ? in the detail',
    ({ expect }) =>
      withTerminal('together', { cols: 100, rows: 30, args: ['--demo'] }, async (t) => {
        await t.waitForScreen(dashboardReady, WAIT, ready);
        await t.keys('G');
        await t.waitForScreen((s) => rowOf(s, DEMO_NAMES.at(-1)!)?.startsWith('›') === true, WAIT, 'the selection on the last row after G');
        await t.keys('g', 'j', 'j', 'Enter');
        let s = await t.waitForScreen((x) => x.lines[2] === DEMO_NAMES[2], WAIT, `the detail pane of ${DEMO_NAMES[2]}`);
        expect(s.lines[28]).toMatch(/Esc back\s+r check/);
        // Esc then a key in one chunk: Esc, then the key (not Alt+j).
        await t.keys('Escape', 'j', 'Enter');
        s = await t.waitForScreen((x) => x.lines[2] === DEMO_NAMES[3], WAIT, `the detail pane of ${DEMO_NAMES[3]}`);
        // Arrows among letters, and a key that opens another view: ↑ k in the detail go back two backends, then the help.
        await t.keys('Up', 'k', '?');
        s = await t.waitForScreen((x) => /^Table\b/.test(x.lines[2] ?? '') && /Esc close/.test(x.lines[28] ?? ''), WAIT, 'the help');
        await t.keys('Escape');
        s = await t.waitForScreen((x) => x.lines[2] === DEMO_NAMES[1], WAIT, `the detail pane of ${DEMO_NAMES[1]} back from the help`);
        await t.keys('Escape', 'q');
        const { code } = await t.waitForExit(WAIT);
        expect(code).toBe(0);
      }),
    TEST_TIMEOUT,
  );

  it(
    '/ and text typed together (send-keys -l) filter; Enter in the same chunk keeps the filter',
    ({ expect }) =>
      withTerminal('together-filter', { cols: 100, rows: 30, args: ['--demo'] }, async (t) => {
        await t.waitForScreen(dashboardReady, WAIT, ready);
        await t.type('/oll');
        let s = await t.waitForScreen((x) => names(x).join(',') === 'ollama-gone,ollama-gpu1', WAIT, 'only the two ollama rows');
        expect(s.lines[28]).toMatch(/^\/oll_/);
        await t.type('ama\r');
        s = await t.waitForScreen((x) => /move\s+Enter details/.test(x.lines[28] ?? ''), WAIT, 'the table footer after Enter');
        expect(s.lines[0]).toContain('filter: ollama');
        expect(names(s)).toEqual(['ollama-gone', 'ollama-gpu1']);
        // / reopens it with its text; q after the Enter is a key again: it quits.
        await t.type('/-gpu\rq');
        const { code } = await t.waitForExit(WAIT);
        expect(code).toBe(0);
      }),
    TEST_TIMEOUT,
  );

  it(
    'a paste (bracketed) lands in the filter whole; in the table it opens the filter, its letters are no commands',
    ({ expect }) =>
      withTerminal('paste', { cols: 100, rows: 30, args: ['--demo'] }, async (t) => {
        await t.waitForScreen(dashboardReady, WAIT, ready);
        await t.keys('/');
        await t.waitForScreen((s) => /^\/_ /.test(s.lines[28] ?? ''), WAIT, 'the filter prompt "/_" in the footer');
        // A line break in it is no Enter: still editing afterwards.
        await t.paste('ollama\n');
        let s = await t.waitForScreen((x) => names(x).join(',') === 'ollama-gone,ollama-gpu1', WAIT, 'only the two ollama rows');
        expect(s.lines[28]).toMatch(/^\/ollama_/);
        await t.keys('Escape');
        s = await t.waitForScreen((x) => names(x).length === DEMO_NAMES.length, WAIT, 'every row back after Esc');
        // Pasted into the table: were these keys, q would quit, d drain, p pause.
        await t.paste('qdp');
        s = await t.waitForScreen((x) => /^\/qdp_/.test(x.lines[28] ?? ''), WAIT, 'the filter "/qdp_"');
        expect(s.text).toContain('no backend matches the filter');
        expect(s.lines[0]).not.toContain('PAUSED');
        await t.keys('Escape');
        s = await t.waitForScreen((x) => names(x).length === DEMO_NAMES.length, WAIT, 'every row back after Esc');
        expect(s.lines[1]).toMatch(/\b0 draining\b/);
        await t.keys('q');
        expect((await t.waitForExit(WAIT)).code).toBe(0);
      }),
    TEST_TIMEOUT,
  );

  it(
    '? at 80x24 shows the help with the main keys; Esc closes it',
    ({ expect }) =>
      withTerminal('help', { cols: 80, rows: 24, args: ['--demo'] }, async (t) => {
        await t.waitForScreen(dashboardReady, WAIT, ready);
        await t.keys('?');
        const s = await t.waitForScreen((x) => x.lines[2] === 'Table' && /Esc close/.test(x.lines[22] ?? ''), WAIT, 'the help');
        expect(s.lines[0]).toMatch(HEADER);
        expect(s.text).toMatch(/\n {2}d\s+drain \/ undrain the selected backend\n/);
        expect(s.text).toMatch(/\n {2}\+\s+probe less often \(longer interval\)\n/);
        expect(s.text).toMatch(/\n {2}-\s+probe more often \(shorter interval\)\n/);
        expect(s.text).toMatch(/\n {2}\/\s+filter by name, type or status\n/);
        expect(s.text).toMatch(/\n {2}Enter\s+details of the selected backend\n/);
        expect(s.text).toMatch(/\n {2}e\s+event log \(newest first\)\n/);
        expect(s.text).toMatch(/\n {2}\?\s+all keys\n/);
        // With the event log's key, q is one line below the first page: the help scrolls to it.
        await t.keys('Down');
        await t.waitForText(/\n {2}q\s+quit\n/, WAIT);
        await t.keys('Escape');
        await t.waitForScreen((x) => DEMO_NAMES.every((n) => rowOf(x, n)) && /move\s+Enter details/.test(x.lines[22] ?? ''), WAIT, 'the table back after Esc');
      }),
    TEST_TIMEOUT,
  );

  // The help is the one place that lists every key; where it chose two columns so that everything fits,
  // every entry must be readable in full.
  it(
    '? at 100x30 lists every key of every view with its whole description',
    ({ expect }) =>
      withTerminal('help-wide', { cols: 100, rows: 30, args: ['--demo'] }, async (t) => {
        await t.waitForScreen(dashboardReady, WAIT, ready);
        await t.keys('?');
        const s = await t.waitForScreen((x) => /^Table\b/.test(x.lines[2] ?? '') && /Esc close/.test(x.lines[28] ?? ''), WAIT, 'the help');
        for (const title of ['Table', 'Detail pane', 'Filter', 'Legend']) expect(s.text).toMatch(new RegExp(`(^|\\s)${title}(\\s|$)`, 'm'));
        expect(missingHelp(s), `help entries not shown in full:\n${s.text}`).toEqual([]);
      }),
    TEST_TIMEOUT,
  );

  // At 80x24 not everything fits in one column: the help must then say so rather than silently drop
  // entries (as the detail pane does: "… N more lines (make the terminal taller)").
  it(
    '? at 80x24 lists every key, or says that more lines do not fit',
    ({ expect }) =>
      withTerminal('help-small', { cols: 80, rows: 24, args: ['--demo'] }, async (t) => {
        await t.waitForScreen(dashboardReady, WAIT, ready);
        await t.keys('?');
        const s = await t.waitForScreen((x) => x.lines[2] === 'Table' && /Esc close/.test(x.lines[22] ?? ''), WAIT, 'the help');
        const missing = missingHelp(s);
        if (missing.length > 0) expect(s.text, `help entries missing with no "more" notice:\n${missing.join('\n')}\nscreen:\n${s.text}`).toMatch(/\b\d+ more\b/);
      }),
    TEST_TIMEOUT,
  );
});
