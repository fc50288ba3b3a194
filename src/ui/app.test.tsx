import stringWidth from 'string-width';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backend, configOf, loading, ok, refused } from '../../test/helpers/fleet.js';
import { KEYS, record, renderApp, spyActions, storeWith, type TimedOutcome } from '../../test/helpers/render-app.js';
import { clockTime, dateTime } from './format.js';

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
    expect(s).toMatch(/NAME\s+TYPE\s+STATUS\s+SINCE\s+LATENCY\s+MODELS\s+HISTORY\s+LAST ERROR/);
    expect(rowOf(s, 'alpha')).toMatch(/alpha\s+generic\s+● healthy\s+0s\s+12ms\s+2\s+▂\s*$/);
    expect(rowOf(s, 'bravo')).toMatch(/✖ unhealthy .* - .* - +✖ {2}connection: connection refused/);
    expect(rowOf(s, 'charlie')).toMatch(/◐ loading .* ◌ {2}loading: Loading model/);
    // An unconfirmed failure: still healthy, the values marked stale, the error shown.
    expect(rowOf(s, 'delta')).toMatch(/● healthy .*12ms\* +1\* +▂✖ {2}timeout: timed out after 5s/);
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

  it('keeps a steady backend\'s row still while its latency only jitters, and follows a real change', async () => {
    const { store, clock } = storeWith(configOf(['alpha']), {});
    const probe = async (latencyMs: number): Promise<void> => {
      await clock.advance(1_000);
      record(store, clock.now(), 'alpha', { ...ok(['m']), latencyMs });
    };
    // Two minutes of a steady 2 ms backend: the history is full, SINCE says 2m.
    for (let i = 0; i < 125; i++) await probe(2);
    store.flush();
    const a = await open(store);
    const before = rowOf(a.screen(), 'alpha');
    expect(before).toMatch(/\s2m\s+2\.0ms\s/);
    const frames = a.frames.length;
    // ±20 % around 2 ms: the EMA (shown to a tenth) moves every probe, the row does not.
    for (const latencyMs of [2.4, 2.4, 1.6, 1.6, 2.4, 2.2, 1.6, 2.4]) {
      await probe(latencyMs);
      store.flush();
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(rowOf(a.screen(), 'alpha')).toBe(before);
    // Whatever was rendered meanwhile is the same screen (Ink writes nothing when the text is unchanged).
    expect(new Set(a.frames.slice(frames - 1)).size, 'every frame since is the same screen').toBe(1);
    // A real slowdown shows at once.
    for (let i = 0; i < 3; i++) await probe(400);
    store.flush();
    await vi.waitFor(() => expect(rowOf(a.screen(), 'alpha')).toMatch(/\s2m\s+\d{2,3}ms\s/));
    expect(rowOf(a.screen(), 'alpha')).not.toMatch(/\s2\.0ms\s/);
  });

  it('moves the age of an error from before a recovery along with the clock alone', async () => {
    const { store, clock } = storeWith(configOf(['alpha']), {});
    // Failed at T, healthy again since T + 59 s.
    const t = clock.now();
    record(store, t, 'alpha', refused);
    await clock.advance(30_000);
    record(store, clock.now(), 'alpha', ok());
    await clock.advance(29_000);
    record(store, clock.now(), 'alpha', ok());
    store.flush();
    const { screen } = await open(store, { columns: 160 });
    expect(rowOf(screen(), 'alpha')).toMatch(/healthy\s+0s\s.*connection: connection refused \(59s ago\)/);
    // T + 119.5 s: SINCE 1m, the error 1m ago; a second later SINCE still says 1m, the error 2m.
    await clock.advance(60_500);
    store.tick();
    await vi.waitFor(() => expect(rowOf(screen(), 'alpha')).toMatch(/healthy\s+1m\s.*\(1m ago\)/));
    await clock.advance(1_000);
    store.tick();
    await vi.waitFor(() => expect(rowOf(screen(), 'alpha')).toMatch(/healthy\s+1m\s.*\(2m ago\)/));
  });

  it('marks a backend whose probe has run for a second, not the quick ones', async () => {
    const { store, clock } = fleet();
    const { screen } = await open(store);
    store.markChecking('charlie', true);
    store.markChecking('alpha', true);
    store.flush();
    await clock.advance(500);
    store.markChecking('alpha', false);
    store.tick();
    await new Promise((r) => setTimeout(r, 50));
    expect(rowOf(screen(), 'charlie')).toMatch(/^ {2} charlie/);
    expect(screen()).not.toMatch(/↻/);
    await clock.advance(600);
    store.tick();
    await vi.waitFor(() => expect(rowOf(screen(), 'charlie')).toMatch(/^ ↻ charlie/));
    expect(rowOf(screen(), 'alpha')).not.toMatch(/↻/);
    expect(screen()).toMatch(/↻ 1$/m);
  });

  it('shows a config that could not be reloaded as a red banner until it is fixed, the table still there', async () => {
    const { store } = fleet();
    const a = await open(store, { rows: 12 });
    store.setConfigProblem('/etc/nexus/nexus.toml:3: backends[0] (x).url: expected a string, got integer 42');
    store.flush();
    await vi.waitFor(() => expect(a.screen()).toMatch(/^config not reloaded, still running the last good one: \/etc\/nexus\/nexus\.toml:3: backends\[0\]/m));
    expect(a.screen()).toContain('alpha');
    expect(a.screen().split('\n').length).toBeLessThanOrEqual(11);
    store.setConfigProblem(null);
    store.flush();
    await vi.waitFor(() => expect(a.screen()).not.toMatch(/config not reloaded/));
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
    if (columns >= 100) expect(header).toMatch(/STATUS.*LATENCY.*HISTORY.*LAST ERROR/);
    if (columns >= 160) expect(header).toMatch(/TYPE.*SINCE.*LATENCY.*MODELS.*HISTORY.*LAST ERROR/);
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

const timeout: TimedOutcome = { outcome: 'failure', kind: 'timeout', message: 'timed out after 5s' };
/** Ok, failed, ok, failed…: half its probes fail, too few in a row for the thresholds (it stays healthy). */
const alternating = (n: number): TimedOutcome[] => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? { ...ok(), latencyMs: 3 } : refused));
/** The HISTORY cell of a backend's row, found under the column's (right-aligned) title. */
function historyOf(screen: string, name: string): string {
  const header = screen.split('\n').find((l) => l.includes('HISTORY'))!;
  const end = header.indexOf('HISTORY') + 'HISTORY'.length;
  return /(\S*)$/.exec(rowOf(screen, name).slice(0, end))![1]!;
}

/** A store whose probes land one second apart, so events and history have distinct times. */
function timedFleet(names: string[], script: Record<string, TimedOutcome[]>) {
  const made = storeWith(configOf(names), {});
  const { store, clock } = made;
  let at = clock.now();
  const longest = Math.max(...Object.values(script).map((l) => l.length));
  for (let i = 0; i < longest; i++) {
    at += 1_000;
    for (const [name, list] of Object.entries(script)) if (list[i]) record(store, at, name, list[i]!);
  }
  store.flush();
  return made;
}

describe('history column', () => {
  const mixed = (): TimedOutcome[] => [
    { ...ok(), latencyMs: 2 },
    { ...ok(), latencyMs: 500 },
    { ...ok(), latencyMs: 2_000 },
    refused,
    loading,
    { ...ok(), latencyMs: 50 },
  ];

  it('shows the last probes, newest on the right: bars by latency (log scale), ✖ failed, ◌ loading', async () => {
    const { store, clock } = timedFleet(['mixed'], { mixed: mixed() });
    const { screen } = await open(store);
    expect(screen()).toMatch(/MODELS\s+HISTORY\s+LAST ERROR/);
    expect(historyOf(screen(), 'mixed')).toBe('▁▅▆✖◌▃');
    // A new probe lands on the right.
    record(store, clock.now() + 10_000, 'mixed', timeout);
    store.flush();
    await vi.waitFor(() => expect(historyOf(screen(), 'mixed')).toBe('▁▅▆✖◌▃✖'));
  });

  it('without colour, failures, loading and successes are still told apart by shape', async () => {
    const { store } = timedFleet(['mixed'], { mixed: mixed() });
    const a = await open(store, { color: false });
    const raw = a.lastFrame()!;
    expect(raw).not.toContain('\u001b[');
    expect(raw).toContain('▁▅▆✖◌▃');
  });

  it('falls back to ASCII: . : | by latency tier, x failed, ~ loading', async () => {
    const { store } = timedFleet(['mixed'], { mixed: mixed() });
    const a = await open(store, { unicode: false });
    expect(historyOf(a.screen(), 'mixed')).toBe('.:|x~.');
    expect(/[^\x00-\x7f]/.test(a.screen())).toBe(false);
  });

  it('shows as many probes as the column has room for, the newest ones', async () => {
    const many = Array.from({ length: 150 }, (_, i): TimedOutcome => (i === 149 ? refused : { ...ok(), latencyMs: 2 }));
    const { store } = timedFleet(['steady'], { steady: many });
    const cells = async (columns: number): Promise<string> => {
      const a = await open(store, { columns });
      const row = rowOf(a.screen(), 'steady');
      a.unmount();
      app = undefined;
      return /([▁✖]+) {2}connection/.exec(row)?.[1] ?? '';
    };
    const narrow = await cells(80);
    const wide = await cells(200);
    expect(narrow.length).toBeGreaterThanOrEqual(10);
    expect(wide.length).toBeGreaterThan(narrow.length);
    // The ring keeps 120 probes: a very wide terminal shows them all, and no more.
    expect(wide.length).toBeLessThanOrEqual(120);
    expect(narrow.endsWith('▁✖')).toBe(true);
  });

  it('gives way before LAST ERROR on a narrow terminal, and comes back when LAST ERROR cannot fit anyway', async () => {
    const { store } = timedFleet(['a-rather-long-backend-name', 'other'], { 'a-rather-long-backend-name': [refused], other: [ok()] });
    const header = async (columns: number): Promise<string> => {
      const a = await open(store, { columns });
      const h = a.screen().split('\n').find((l) => l.includes('NAME'))!;
      a.unmount();
      app = undefined;
      return h;
    };
    expect(await header(80)).toMatch(/HISTORY\s+LAST ERROR/);
    expect(await header(72)).toMatch(/LATENCY\s+LAST ERROR/);
    expect(await header(72)).not.toContain('HISTORY');
    expect(await header(64)).toMatch(/LATENCY\s+HISTORY$/);
  });
});

describe('flapping', () => {
  const flappyFleet = () => timedFleet(['flappy', 'steady'], { flappy: alternating(12), steady: Array.from({ length: 12 }, () => ({ ...ok(), latencyMs: 3 })) });

  it('shows FLAPPING beside the status of a backend that is healthy but flapping, and counts it in the summary', async () => {
    const { store } = flappyFleet();
    const { screen } = await open(store);
    expect(rowOf(screen(), 'flappy')).toMatch(/● healthy FLAPPING/);
    expect(rowOf(screen(), 'steady')).not.toContain('FLAPPING');
    expect(screen().split('\n')[1]).toMatch(/ {3}1 flapping$/);
  });

  it('without colour the word carries it', async () => {
    const { store } = flappyFleet();
    const a = await open(store, { color: false, unicode: false });
    expect(a.lastFrame()!).not.toContain('\u001b[');
    expect(rowOf(a.lastFrame()!, 'flappy')).toMatch(/\+ healthy FLAPPING/);
  });

  it('the summary says 0 flapping on a steady fleet', async () => {
    const { screen } = await open();
    expect(screen().split('\n')[1]).toMatch(/0 unknown {3}0 flapping$/);
  });

  it('the detail pane gives the verdict and why: the score for a backend failing every other probe', async () => {
    const { store } = flappyFleet();
    const a = await open(store);
    await a.press(KEYS.enter); // flappy
    await vi.waitFor(() => expect(a.screen()).toMatch(/^flappy$/m));
    const score = store.getSnapshot().byName.get('flappy')!.flapScore.toFixed(1).replace('.', '\\.');
    expect(a.screen()).toMatch(new RegExp(`^flapping\\s+yes: its probes keep failing and passing \\(score ${score} %\\)$`, 'm'));
    // The thresholds hid every failure: its status never changed.
    expect(a.screen()).toMatch(/^ {2}changes\s+none in the last 10m$/m);
    expect(a.screen()).toMatch(new RegExp(`^ {2}score\\s+${score} %$`, 'm'));
    await a.press(KEYS.down); // steady
    await vi.waitFor(() => expect(a.screen()).toMatch(/^steady$/m));
    expect(a.screen()).toMatch(/^flapping\s+no$/m);
    expect(a.screen()).toMatch(/^ {2}score\s+0\.0 %$/m);
  });

  it('the detail pane says a slow flapper flaps by its status changes: how many in the window, the first and the last', async () => {
    const block = (o: TimedOutcome, n: number): TimedOutcome[] => Array.from({ length: n }, () => o);
    // Down long enough to pass the failure threshold (3), up long enough to recover (2), twice: 4 status changes.
    const { store } = timedFleet(['slow'], { slow: [...block(ok(), 3), ...block(refused, 4), ...block(ok(), 4), ...block(refused, 4), ...block(ok(), 4)] });
    const view = store.getSnapshot().byName.get('slow')!;
    expect(view.flapReason).toBe('changes');
    const a = await open(store);
    await a.press(KEYS.enter);
    await vi.waitFor(() => expect(a.screen()).toMatch(/^slow$/m));
    expect(a.screen()).toMatch(/^flapping\s+yes: its status changed 4 times in the last 10m$/m);
    const first = `${clockTime(view.flapFirstChangeAt!)} \\(\\d+s ago\\)`;
    const last = `${clockTime(view.flapLastChangeAt!)} \\(\\d+s ago\\)`;
    expect(view.flapLastChangeAt! - view.flapFirstChangeAt!).toBe(11_000);
    expect(a.screen()).toMatch(new RegExp(`^ {2}changes\\s+4 in the last 10m, first ${first}, last ${last}$`, 'm'));
  });
});

describe('detail pane: history', () => {
  it('shows the whole ring oldest first, wrapped in groups of ten, with a legend and min / median / p95 over its successes', async () => {
    // 1 … 25 ms, then one failure; 40 columns hold two groups of ten a line.
    const script = [...Array.from({ length: 25 }, (_, i): TimedOutcome => ({ ...ok(), latencyMs: i + 1 })), refused];
    const { store } = timedFleet(['ring'], { ring: script });
    const a = await open(store, { columns: 40, rows: 40 });
    await a.press(KEYS.enter);
    await vi.waitFor(() => expect(a.screen()).toMatch(/^ring$/m));
    const lines = a.screen().split('\n');
    const at = lines.findIndex((l) => l.startsWith('history'));
    expect(lines[at]).toBe('history       ▁▁▁▁▁▁▁▁▁▁ ▁▁▁▁▂▂▂▂▂▂');
    expect(lines[at + 1]).toBe(`${' '.repeat(14)}▂▂▂▂▂✖`);
    expect(lines[at + 2]).toMatch(/^ {14}oldest first: 25 ok/);
    for (const l of lines) expect(stringWidth(l)).toBeLessThanOrEqual(40);
    a.unmount();
    // Wide enough to read the whole legend and the figures.
    const b = await open(store, { columns: 100, rows: 40 });
    await b.press(KEYS.enter);
    await vi.waitFor(() => expect(b.screen()).toMatch(/^ring$/m));
    expect(b.screen()).toMatch(/^history {7}▁▁▁▁▁▁▁▁▁▁ ▁▁▁▁▂▂▂▂▂▂ ▂▂▂▂▂✖$/m);
    expect(b.screen()).toMatch(/^ {14}oldest first: 25 ok \(▁…█ taller: slower\), 1 failed ✖, 0 loading ◌$/m);
    // p95 of 1…25 interpolates to 23.8 ms.
    expect(b.screen()).toMatch(/^ {14}over the history: min 1\.0ms \/ median 13ms \/ p95 24ms \(25 ok\)$/m);
  });

  it('says so when no probe in the ring succeeded, or none ran yet', async () => {
    const { store } = storeWith(configOf(['down', 'new']), { down: [refused, refused] });
    const a = await open(store);
    await a.press(KEYS.enter);
    await vi.waitFor(() => expect(a.screen()).toMatch(/^down$/m));
    expect(a.screen()).toMatch(/over the history: no successful probe/);
    expect(a.screen()).toMatch(/^history\s+✖✖$/m);
    await a.press(KEYS.down);
    await vi.waitFor(() => expect(a.screen()).toMatch(/^new$/m));
    expect(a.screen()).toMatch(/^history\s+no probe yet$/m);
  });

  it('↑/↓ still move to the previous / next backend', async () => {
    const a = await open();
    await a.press(KEYS.enter);
    await vi.waitFor(() => expect(a.screen()).toMatch(/^alpha$/m));
    await a.press(KEYS.down, 'j');
    await vi.waitFor(() => expect(a.screen()).toMatch(/^charlie$/m));
    await a.press(KEYS.up);
    await vi.waitFor(() => expect(a.screen()).toMatch(/^bravo$/m));
  });
});

describe('event log', () => {
  /** alpha goes down (3 timeouts) and starts flapping; bravo comes up; then a drain, an interval change, a pause. */
  function eventfulFleet() {
    const made = timedFleet(['alpha', 'bravo'], {
      alpha: [ok(), timeout, timeout, timeout, ...alternating(10)],
      bravo: [refused, ok(), ok()],
    });
    made.store.setDrained('bravo', true);
    made.store.setIntervalMs(5_000);
    made.store.setPaused(true);
    made.store.flush();
    return made;
  }
  const logLines = (screen: string): string[] => screen.split('\n').filter((l) => /^\d\d:\d\d:\d\d {2}/.test(l));

  it('e opens it: newest first, with time, backend and what happened in words; Esc closes it', async () => {
    const { store } = eventfulFleet();
    const a = await open(store);
    await a.press('e');
    await vi.waitFor(() => expect(a.screen()).toMatch(/^Event log {2}· {2}all backends {2}· {2}\d+ events/m));
    const lines = logLines(a.screen());
    const words = lines.map((l) => l.slice(10).trim().replace(/\s{2,}/, '|'));
    expect(words.slice(0, 3)).toEqual(['fleet|paused', 'fleet|interval 30s → 5s', 'bravo|drained']);
    expect(words).toContain('alpha|healthy → unhealthy (timeout: timed out after 5s)');
    expect(words).toContain('bravo|unhealthy → healthy');
    expect(words).toContain('bravo|unknown → unhealthy (connection: connection refused)');
    expect(words.some((w) => /^alpha\|started flapping \(\d+ status changes?, score \d+\.\d %\)$/.test(w))).toBe(true);
    // Newest first: the flapping started after alpha went down, which came after it first came up.
    const index = (re: RegExp): number => words.findIndex((w) => re.test(w));
    expect(index(/started flapping/)).toBeLessThan(index(/healthy → unhealthy/));
    expect(index(/healthy → unhealthy/)).toBeLessThan(index(/alpha\|unknown → healthy/));
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d {2}fleet/);
    expect(a.screen()).toMatch(/Esc back\s+f only selected\s+↑\/↓ scroll/);
    await a.press(KEYS.escape);
    await vi.waitFor(() => expect(a.screen()).toContain('LAST ERROR'));
  });

  it('f narrows it to the selected backend (named in the title) and back', async () => {
    const { store } = eventfulFleet();
    const a = await open(store);
    await a.press('j', 'e', 'f'); // bravo
    await vi.waitFor(() => expect(a.screen()).toMatch(/^Event log {2}· {2}only bravo {2}· {2}3 events/m));
    const lines = logLines(a.screen());
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(/^\d\d:\d\d:\d\d {2}bravo /);
    await a.press('f');
    await vi.waitFor(() => expect(a.screen()).toMatch(/all backends/));
    expect(logLines(a.screen()).some((l) => l.includes('alpha'))).toBe(true);
  });

  it('scrolls with ↑/↓ and PgUp/PgDn when it does not fit, saying how much more there is', async () => {
    const { store } = eventfulFleet();
    const a = await open(store, { rows: 12 });
    await a.press('e');
    await vi.waitFor(() => expect(a.screen()).toMatch(/newest shown {2}↓ \d+ older/));
    const first = logLines(a.screen())[0];
    await a.press('j');
    await vi.waitFor(() => expect(a.screen()).toMatch(/↑ 1 newer {2}↓ \d+ older/));
    expect(logLines(a.screen())[0]).not.toBe(first);
    await a.press(KEYS.pageDown, KEYS.pageDown, KEYS.pageDown, KEYS.pageDown);
    await vi.waitFor(() => expect(a.screen()).toMatch(/↑ \d+ newer {2}oldest shown/));
    expect(logLines(a.screen()).at(-1)).toMatch(/alpha {2}unknown → healthy|bravo {2}unknown → unhealthy/);
    await a.press(KEYS.pageUp, KEYS.pageUp, KEYS.pageUp, KEYS.pageUp);
    await vi.waitFor(() => expect(logLines(a.screen())[0]).toBe(first));
    expect(a.screen().split('\n').length).toBeLessThanOrEqual(11);
  });

  it('opens from the detail pane too, and Esc goes back there; ? from the log comes back to it', async () => {
    const { store } = eventfulFleet();
    const a = await open(store);
    await a.press(KEYS.enter);
    await vi.waitFor(() => expect(a.screen()).toMatch(/^alpha$/m));
    await a.press('e');
    await vi.waitFor(() => expect(a.screen()).toMatch(/^Event log/m));
    await a.press('f');
    await vi.waitFor(() => expect(a.screen()).toMatch(/only alpha/));
    await a.press('?');
    await vi.waitFor(() => expect(a.screen()).toContain('close the event log'));
    await a.press(KEYS.escape);
    await vi.waitFor(() => expect(a.screen()).toMatch(/only alpha/));
    await a.press(KEYS.escape);
    await vi.waitFor(() => expect(a.screen()).toMatch(/^alpha$/m));
  });

  it('says when there is nothing to show yet', async () => {
    const { store } = storeWith(configOf(['quiet']), {});
    const a = await open(store);
    await a.press('e');
    await vi.waitFor(() => expect(a.screen()).toContain('no events yet'));
    await a.press('f');
    await vi.waitFor(() => expect(a.screen()).toContain('no events for quiet yet'));
  });

  it('shows events as they happen', async () => {
    const { store, clock } = storeWith(configOf(['live']), { live: [ok()] });
    const a = await open(store);
    await a.press('e');
    await vi.waitFor(() => expect(a.screen()).toMatch(/1 event\b/));
    store.setDrained('live', true);
    store.flush();
    await vi.waitFor(() => expect(logLines(a.screen())[0]).toBe(`${dateTime(clock.now()).slice(11)}  live   drained`));
  });
});

describe('replay header', () => {
  it('says REPLAY, the file, the time in the recording and the speed', async () => {
    const { store, clock } = fleet();
    store.setReplay({ file: 'fleet.ndjson', speed: 10, paused: false, ended: false });
    store.flush();
    const a = await open(store);
    expect(a.screen().split('\n')[0]).toBe(`nexus-top 9.9.9  ·  REPLAY fleet.ndjson  ${dateTime(clock.now())}  x10  ·  every 30s  ·  sort: name`);
    // The time follows the recording (snapshot.at).
    await clock.advance(61_000);
    store.tick();
    await vi.waitFor(() => expect(a.screen()).toContain(`REPLAY fleet.ndjson  ${dateTime(clock.now())}  x10`));
  });

  it('PAUSED when paused, ENDED at the end, with where it stopped; max speed', async () => {
    const { store } = fleet();
    const actions = spyActions();
    store.setReplay({ file: 'r.ndjson', speed: 'max', paused: true, ended: false });
    store.flush();
    const a = await open(store, { actions });
    expect(a.screen().split('\n')[0]).toMatch(/REPLAY r\.ndjson {2}\S+ \S+ {2}max speed {2}PAUSED {2}·/);
    // p resumes a paused replay.
    await a.press('p');
    await vi.waitFor(() => expect(actions.setPaused).toHaveBeenCalledWith(false));
    store.setReplay({ file: 'r.ndjson', speed: 1, paused: false, ended: true, stoppedAt: 'r.ndjson:12: not JSON' });
    store.flush();
    await vi.waitFor(() => expect(a.screen().split('\n')[0]).toMatch(/REPLAY r\.ndjson {2}\S+ \S+ {2}x1 {2}ENDED \(r\.ndjson:12: not JSON\)/));
    expect(a.screen()).not.toContain('PAUSED');
  });

  it('fits 80 columns with the state in view', async () => {
    const { store } = fleet();
    store.setReplay({ file: 'recordings/fleet.ndjson', speed: 10, paused: true, ended: false });
    store.flush();
    const a = await open(store, { columns: 80, rows: 24 });
    const top = a.screen().split('\n')[0]!;
    expect(stringWidth(top)).toBeLessThanOrEqual(80);
    expect(top).toContain('PAUSED');
  });
});

describe('frames with history, flapping and events', () => {
  it.each([
    [80, 24],
    [60, 16],
    [40, 12],
  ])('fit %ix%i in every view: no line wider, never taller than rows - 1', async (columns, rows) => {
    const many = Array.from({ length: 30 }, (_, i) => `backend-${i}`);
    const script: Record<string, TimedOutcome[]> = { 'backend-0': alternating(40), 'backend-1': [refused, refused, refused], 'backend-2': [loading] };
    const { store } = timedFleet(many, script);
    for (let i = 0; i < 30; i++) store.setIntervalMs(i % 2 ? 5_000 : 10_000);
    store.flush();
    const a = await open(store, { columns, rows });
    const check = (): void => {
      const lines = a.screen().split('\n');
      expect(lines.length).toBeLessThanOrEqual(rows - 1);
      for (const l of lines) expect(stringWidth(l), l).toBeLessThanOrEqual(columns);
    };
    check();
    expect(a.screen()).toContain('FLAPPING');
    await a.press(KEYS.enter);
    await vi.waitFor(() => expect(a.screen()).toMatch(/^backend-0$/m));
    check();
    await a.press('e');
    await vi.waitFor(() => expect(a.screen()).toMatch(/^Event log/m));
    check();
    await a.press('?');
    await vi.waitFor(() => expect(a.screen()).toContain('Table'));
    check();
  });
});

describe('footer', () => {
  it.each([60, 80, 100])('at %i columns keeps ? help and q quit, dropping other hints first', async (columns) => {
    const a = await open(undefined, { columns });
    const footer = a.screen().trimEnd().split('\n').at(-1)!;
    expect(footer).toMatch(/\? help {2}q quit$/);
    expect(stringWidth(footer)).toBeLessThanOrEqual(columns);
    expect(footer).toMatch(/^↑\/↓ move/);
  });
});

describe('paced fleet updates (the live dashboard follows the fleet a few times a second)', () => {
  const PACE_MS = 250;
  const probe = (store: ReturnType<typeof fleet>['store'], at: number, latencyMs: number): void => {
    record(store, at, 'alpha', { ...ok(['llama3:8b', 'qwen2:7b']), latencyMs });
    store.flush();
  };
  const latencyOf = (screen: string): string => /healthy\s+\S+\s+(\S+)/.exec(rowOf(screen, 'alpha'))?.[1] ?? '';
  const settleInk = (): Promise<void> => new Promise((r) => setTimeout(r, 30));

  it('a burst of publishes gives one render, with the last state, within the interval', async () => {
    const { store, clock } = fleet();
    const a = await open(store, { pace: { clock, ms: PACE_MS } });
    // The first change after a quiet spell shows at once.
    probe(store, clock.now(), 400);
    await vi.waitFor(() => expect(latencyOf(a.screen())).toMatch(/ms$/));
    const first = latencyOf(a.screen());
    expect(first).not.toBe('12ms');
    const frames = a.frames.length;
    // Five more within the interval, each a different latency on screen: nothing drawn meanwhile.
    for (const ms of [2_000, 4_000, 6_000, 8_000, 9_000]) {
      await clock.advance(20);
      for (let i = 0; i < 4; i++) probe(store, clock.now(), ms);
    }
    await settleInk();
    expect(a.frames.length).toBe(frames);
    expect(latencyOf(a.screen())).toBe(first);
    // At the end of the interval: one render, the latest state.
    await clock.advance(PACE_MS);
    await vi.waitFor(() => expect(latencyOf(a.screen())).toMatch(/\ds$/));
    await settleInk();
    expect(a.frames.length).toBe(frames + 1);
    const shown = latencyOf(a.screen());
    await clock.advance(PACE_MS * 4);
    await settleInk();
    expect(latencyOf(a.screen())).toBe(shown);
  });

  it('a key renders at once, with the fleet as it is now', async () => {
    const { store, clock } = fleet();
    const a = await open(store, { pace: { clock, ms: PACE_MS } });
    probe(store, clock.now(), 400);
    await vi.waitFor(() => expect(latencyOf(a.screen())).not.toBe('12ms'));
    const before = latencyOf(a.screen());
    // A change held back by the pace (the clock does not move), then a key.
    await clock.advance(10);
    for (let i = 0; i < 4; i++) probe(store, clock.now(), 9_000);
    await settleInk();
    expect(latencyOf(a.screen())).toBe(before);
    await a.press('s');
    await vi.waitFor(() => expect(a.screen()).toMatch(/sort: status/));
    expect(latencyOf(a.screen())).not.toBe(before);
    expect(latencyOf(a.screen())).toMatch(/\ds$/);
  });

  it('what a key asks for (a drain) shows as soon as the store has it, not at the end of the interval', async () => {
    const { store, clock } = fleet();
    const actions = { ...spyActions(), toggleDrain: vi.fn((name: string) => store.setDrained(name, true)) };
    const a = await open(store, { pace: { clock, ms: PACE_MS }, actions });
    probe(store, clock.now(), 400);
    await vi.waitFor(() => expect(latencyOf(a.screen())).not.toBe('12ms'));
    await a.press('d');
    expect(actions.toggleDrain).toHaveBeenCalledWith('alpha');
    store.flush();
    await vi.waitFor(() => expect(rowOf(a.screen(), 'alpha')).toMatch(/draining \(up\)/));
  });
});
