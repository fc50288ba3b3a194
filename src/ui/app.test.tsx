import stringWidth from 'string-width';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backend, configOf, loading, ok, refused } from '../../test/helpers/fleet.js';
import { KEYS, renderApp, spyActions, storeWith } from '../../test/helpers/render-app.js';

type Rendered = ReturnType<typeof renderApp>;
let app: Rendered | undefined;
afterEach(() => {
  app?.unmount();
  app = undefined;
});

const fleet = () =>
  storeWith(configOf(['alpha', 'bravo', 'charlie', 'delta']), {
    alpha: [ok(['llama3:8b', 'qwen2:7b'])],
    bravo: [refused],
    charlie: [loading],
    delta: [ok(['m']), { outcome: 'failure', kind: 'timeout', message: 'timed out after 5s' }],
  });

const rowOf = (screen: string, name: string): string => screen.split('\n').find((l) => l.includes(` ${name} `)) ?? '';
const selectedRow = (screen: string): string => screen.split('\n').find((l) => l.startsWith('›')) ?? '';

async function open(store = fleet().store, options: Parameters<typeof renderApp>[1] = {}): Promise<Rendered> {
  app = renderApp(store, options);
  await vi.waitFor(() => expect(app!.screen()).toContain('NAME'));
  return app;
}

describe('backend table', () => {
  it('shows one row per backend with status word, since, latency, models and last error', async () => {
    const { screen } = await open();
    const s = screen();
    expect(s).toMatch(/^nexus-top 9\.9\.9 {2}· {2}test\.toml {2}· {2}every 30s/m);
    expect(s).toContain('4 backends');
    expect(s).toMatch(/2 healthy .*1 unhealthy .*1 loading .*0 draining .*0 unknown/);
    expect(s).toMatch(/NAME\s+TYPE\s+STATUS\s+SINCE\s+LATENCY\s+MODELS\s+LAST ERROR/);
    expect(rowOf(s, 'alpha')).toMatch(/alpha\s+generic\s+● healthy\s+0s\s+12ms\s+2\s*$/);
    expect(rowOf(s, 'bravo')).toMatch(/✖ unhealthy .* - .* - {2}connection: connection refused/);
    expect(rowOf(s, 'charlie')).toMatch(/◐ loading .*loading: Loading model/);
    // An unconfirmed failure: still healthy, the values marked stale, the error shown.
    expect(rowOf(s, 'delta')).toMatch(/● healthy .*12ms\* +1\* {2}timeout: timed out after 5s/);
  });

  it('moves SINCE along with the clock', async () => {
    const { store, clock } = fleet();
    const { screen } = await open(store);
    await clock.advance(125_000);
    store.tick();
    await vi.waitFor(() => expect(rowOf(screen(), 'alpha')).toMatch(/healthy\s+2m\s/));
  });

  it('updates a row live when a probe lands', async () => {
    const { store, clock } = fleet();
    const { screen } = await open(store);
    for (let i = 0; i < 2; i++) store.recordResult({ ...ok(), backend: 'bravo', startedAt: clock.now(), finishedAt: clock.now(), latencyMs: 40 });
    store.flush();
    await vi.waitFor(() => expect(rowOf(screen(), 'bravo')).toMatch(/● healthy .*40ms/));
  });

  it('marks a backend being checked', async () => {
    const { store } = fleet();
    const { screen } = await open(store);
    store.markChecking('charlie', true);
    store.flush();
    await vi.waitFor(() => expect(rowOf(screen(), 'charlie')).toMatch(/^ ↻ charlie/));
    expect(screen()).toMatch(/↻ 1$/m);
  });

  it('never draws a frame taller than the terminal minus one row', async () => {
    const { store } = storeWith(configOf(40), {});
    const { screen } = await open(store, { rows: 12, columns: 80 });
    expect(screen().split('\n').length).toBeLessThanOrEqual(11);
  });
});

describe('keys', () => {
  it('↑/↓, j/k, g/G and PgUp/PgDn move the selection, which the view scrolls to keep visible', async () => {
    const { store } = storeWith(configOf(30), {});
    const a = await open(store, { rows: 12 });
    expect(selectedRow(a.screen())).toContain('b0 ');
    await a.press(KEYS.down, 'j');
    await vi.waitFor(() => expect(selectedRow(a.screen())).toContain('b10 ')); // name order: b0, b1, b10
    await a.press('k');
    await vi.waitFor(() => expect(selectedRow(a.screen())).toContain('b1 '));
    await a.press('G');
    await vi.waitFor(() => expect(selectedRow(a.screen())).toContain('b9 '));
    expect(a.screen()).not.toContain(' b0 ');
    await a.press('g');
    await vi.waitFor(() => expect(selectedRow(a.screen())).toContain('b0 '));
    await a.press(KEYS.pageDown);
    await vi.waitFor(() => expect(selectedRow(a.screen())).not.toContain('b0 '));
    await a.press(KEYS.pageUp, KEYS.up);
    await vi.waitFor(() => expect(selectedRow(a.screen())).toContain('b0 '));
  });

  it('handles keys that arrive in one chunk (fast typing, tmux) one by one', async () => {
    const a = await open();
    await a.press('jj');
    await vi.waitFor(() => expect(selectedRow(a.screen())).toContain('charlie'));
  });

  it('r checks the selected backend, R all of them', async () => {
    const actions = spyActions();
    const a = await open(undefined, { actions });
    await a.press('j', 'r');
    await vi.waitFor(() => expect(actions.checkNow).toHaveBeenCalledWith('bravo'));
    await a.press('R');
    await vi.waitFor(() => expect(actions.checkNow).toHaveBeenLastCalledWith());
  });

  it('d drains the selected backend', async () => {
    const actions = spyActions();
    const a = await open(undefined, { actions });
    await a.press('j', 'j', 'd');
    await vi.waitFor(() => expect(actions.toggleDrain).toHaveBeenCalledWith('charlie'));
  });

  it('shows a drained backend as draining with its health, counted as draining', async () => {
    const { store } = fleet();
    store.setDrained('bravo', true);
    store.flush();
    const { screen } = await open(store);
    expect(rowOf(screen(), 'bravo')).toMatch(/✖ draining \(down\)/);
    expect(screen()).toMatch(/1 draining/);
  });

  it('+/- step the interval through 1s 2s 5s 10s 15s 30s 1m 5m', async () => {
    const actions = spyActions();
    const a = await open(undefined, { actions });
    await a.press('+');
    await vi.waitFor(() => expect(actions.setIntervalMs).toHaveBeenLastCalledWith(60_000));
    await a.press('-');
    await vi.waitFor(() => expect(actions.setIntervalMs).toHaveBeenLastCalledWith(15_000));
  });

  it('the header shows the interval the store has, and PAUSED', async () => {
    const { store } = fleet();
    const a = await open(store);
    store.setIntervalMs(5_000);
    store.setPaused(true);
    store.flush();
    await vi.waitFor(() => expect(a.screen()).toMatch(/every 5s .*PAUSED/));
  });

  it('p pauses and resumes', async () => {
    const { store } = fleet();
    const actions = spyActions();
    const a = await open(store, { actions });
    await a.press('p');
    await vi.waitFor(() => expect(actions.setPaused).toHaveBeenLastCalledWith(true));
    store.setPaused(true);
    store.flush();
    await vi.waitFor(() => expect(a.screen()).toContain('PAUSED'));
    await a.press('p');
    await vi.waitFor(() => expect(actions.setPaused).toHaveBeenLastCalledWith(false));
  });

  it('s cycles the sort: name, status (worst first), latency (slowest first), last change', async () => {
    const { store, clock } = storeWith(configOf(['a-fast', 'b-down', 'c-slow']), {});
    const at = clock.now();
    store.recordResult({ ...ok(), backend: 'a-fast', startedAt: at, finishedAt: at + 1, latencyMs: 5 });
    store.recordResult({ ...refused, backend: 'b-down', startedAt: at, finishedAt: at + 2, latencyMs: 5 });
    store.recordResult({ ...ok(), backend: 'c-slow', startedAt: at, finishedAt: at + 3, latencyMs: 900 });
    store.flush();
    const a = await open(store);
    const order = (): string[] => a.screen().split('\n').filter((l) => /^[ ›][ ↻] [a-c]-/.test(l)).map((l) => l.slice(3).split(' ')[0]!);
    expect(order()).toEqual(['a-fast', 'b-down', 'c-slow']);
    await a.press('s');
    await vi.waitFor(() => expect(a.screen()).toContain('sort: status'));
    expect(order()).toEqual(['b-down', 'a-fast', 'c-slow']);
    await a.press('s');
    await vi.waitFor(() => expect(order()).toEqual(['c-slow', 'a-fast', 'b-down']));
    await a.press('s');
    await vi.waitFor(() => expect(order()).toEqual(['c-slow', 'b-down', 'a-fast']));
  });

  it('/ filters by name, type or status as you type; Esc clears it', async () => {
    const a = await open();
    await a.press('/');
    await a.press('u', 'n', 'h');
    await vi.waitFor(() => expect(a.screen()).toContain('/unh_'));
    expect(a.screen()).toContain(' bravo ');
    expect(a.screen()).not.toContain(' alpha ');
    await a.press(KEYS.backspace, KEYS.backspace, KEYS.backspace, 'd', 'e', 'l');
    await vi.waitFor(() => expect(a.screen()).toContain('/del_'));
    expect(a.screen()).toContain(' delta ');
    expect(a.screen()).not.toContain(' bravo ');
    await a.press(KEYS.enter);
    await vi.waitFor(() => expect(a.screen()).toContain('filter: del'));
    await a.press(KEYS.escape);
    await vi.waitFor(() => expect(a.screen()).not.toContain('filter: del'));
    expect(a.screen()).toContain(' bravo ');
  });

  it('a filter matching nothing says so', async () => {
    const a = await open();
    await a.press('/', 'z', 'z', 'z');
    await vi.waitFor(() => expect(a.screen()).toContain('no backend matches the filter'));
  });

  it('q and Ctrl-C quit', async () => {
    const actions = spyActions();
    const a = await open(undefined, { actions });
    await a.press('q');
    await vi.waitFor(() => expect(actions.quit).toHaveBeenCalledTimes(1));
    await a.press(KEYS.ctrlC);
    await vi.waitFor(() => expect(actions.quit).toHaveBeenCalledTimes(2));
  });
});

describe('detail pane', () => {
  it('Enter opens everything known about the selected backend; Esc or Enter closes it', async () => {
    const { store } = fleet();
    const config = configOf([]);
    void config;
    const a = await open(store);
    await a.press('j', 'j', 'j', KEYS.enter); // delta
    await vi.waitFor(() => expect(a.screen()).toMatch(/^delta$/m));
    const s = a.screen();
    expect(s).toMatch(/url\s+http:\/\/127\.0\.0\.1:1\/delta/);
    expect(s).toMatch(/type\s+generic/);
    expect(s).toMatch(/status\s+● healthy since \d\d:\d\d:\d\d/);
    expect(s).toMatch(/last check\s+\d\d:\d\d:\d\d \(0s ago\)/);
    expect(s).toMatch(/in a row\s+0 ok, 1 failed/);
    expect(s).toMatch(/latency\s+last 12ms {2}ema 12ms {2}min 12ms {2}max 12ms {2}\*stale/);
    expect(s).toMatch(/models\s+1, stale/);
    expect(s).toMatch(/^\s+m$/m);
    expect(s).toMatch(/last errors\s*\n\s+\d\d:\d\d:\d\d {2}timeout: timed out after 5s/);
    expect(s).toMatch(/Esc back/);
    await a.press(KEYS.escape);
    await vi.waitFor(() => expect(a.screen()).toContain('LAST ERROR'));
    await a.press(KEYS.enter);
    await vi.waitFor(() => expect(a.screen()).toMatch(/^delta$/m));
    await a.press(KEYS.enter);
    await vi.waitFor(() => expect(a.screen()).toContain('LAST ERROR'));
  });

  it('lists the whole model list and r checks the backend shown', async () => {
    const actions = spyActions();
    const models = Array.from({ length: 8 }, (_, i) => `model-${i}`);
    const { store } = storeWith(configOf(['one']), { one: [ok(models)] });
    const a = await open(store, { actions });
    await a.press(KEYS.enter);
    await vi.waitFor(() => expect(a.screen()).toContain('model-7'));
    for (const m of models) expect(a.screen()).toContain(m);
    await a.press('r');
    await vi.waitFor(() => expect(actions.checkNow).toHaveBeenCalledWith('one'));
  });

  it('shows the URL without its password', async () => {
    const config = configOf([]);
    config.backends = [backend('secret', { url: 'http://admin:hunter2@gpu1:8000' })];
    const { store } = storeWith(config, { secret: [ok()] });
    const a = await open(store);
    await a.press(KEYS.enter);
    await vi.waitFor(() => expect(a.screen()).toContain('http://admin@gpu1:8000'));
    expect(a.screen()).not.toContain('hunter2');
  });
});

describe('help', () => {
  it('? lists every key of every view, from the keymap; Esc closes it', async () => {
    const a = await open(undefined, { rows: 60 });
    await a.press('?');
    await vi.waitFor(() => expect(a.screen()).toContain('drain / undrain the selected backend'));
    const s = a.screen();
    for (const text of ['select the row above', 'check every backend now', 'probe less often', 'pause / resume probing', 'filter by name', 'all keys', 'quit', 'back to the table']) {
      expect(s).toContain(text);
    }
    await a.press(KEYS.escape);
    await vi.waitFor(() => expect(a.screen()).toContain('LAST ERROR'));
  });
});

describe('terminal manners', () => {
  it.each([40, 60, 80, 100, 160])('fits %i columns: no line wider, least important columns dropped first', async (columns) => {
    const config = configOf(['a-backend-with-a-very-long-name-indeed', 'short']);
    const { store } = storeWith(config, { 'a-backend-with-a-very-long-name-indeed': [refused], short: [ok()] });
    const a = await open(store, { columns });
    const lines = a.screen().split('\n');
    for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(columns);
    const header = lines.find((l) => l.includes('NAME'))!;
    expect(header).toContain('STATUS');
    if (columns <= 60) expect(header).not.toContain('TYPE');
    if (columns >= 100) expect(header).toMatch(/TYPE.*SINCE.*LATENCY.*MODELS.*LAST ERROR/);
  });

  it('truncates wide characters and emoji by display width with …', async () => {
    const config = configOf(['gpu-🚀-東京-ノード-一番-二番-三番-四番-五番-六番-七番']);
    const { store } = storeWith(config, {});
    const a = await open(store, { columns: 60 });
    const row = a.screen().split('\n').find((l) => l.includes('gpu-'))!;
    expect(row).toContain('…');
    expect(stringWidth(row)).toBeLessThanOrEqual(60);
  });

  it('without colour (NO_COLOR) writes no escape sequence at all and stays readable', async () => {
    const a = await open(undefined, { color: false });
    a.stdin.write('j');
    await new Promise((r) => setTimeout(r, 20));
    const raw = a.lastFrame()!;
    expect(raw).not.toContain('\u001b[');
    expect(raw).toMatch(/› {2}bravo .*unhealthy/);
    expect(raw).toContain('draining');
  });

  it('draws ASCII only when the locale is not UTF-8', async () => {
    const a = await open(undefined, { unicode: false });
    const s = a.screen();
    expect(s).toMatch(/^> {2}alpha\s+generic\s+\+ healthy/m);
    expect(s).toMatch(/x unhealthy/);
    expect(s).toMatch(/Up\/Down move/);
    expect(/[^\x00-\x7f]/.test(s)).toBe(false);
  });

  it('shows a notice (e.g. a state-file warning) without breaking the frame budget', async () => {
    const a = await open(undefined, { rows: 12, notice: 'warning: state file is corrupt; starting fresh' });
    expect(a.screen()).toContain('warning: state file is corrupt');
    expect(a.screen().split('\n').length).toBeLessThanOrEqual(11);
  });
});
