/** The Nexus router's line in the header and its figures in the detail pane, in the dashboard (ink-testing-library). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configOf, ok, refused } from '../../test/helpers/fleet.js';
import { KEYS, renderApp, storeWith } from '../../test/helpers/render-app.js';
import { parseRouterHealth, parseRouterStats, routerNotYetRead, routerViewOf } from '../backends/router.js';
import { wireHttpAnswer } from '../../test/helpers/wire.js';
import type { RouterView } from '../core/load.js';
import { firstFrameLines, lineText } from './first-frame.js';
import { makeTheme } from './theme.js';

const NOW = 1_700_000_000_000;
const URL = 'http://nexus.internal:8000';
const reachable = (): RouterView => routerViewOf(URL, NOW - 3_000, parseRouterStats(wireHttpAnswer('nexus/v1_stats.http')), parseRouterHealth(wireHttpAnswer('nexus/health.http')));
const unreachable: RouterView = { url: URL, at: NOW - 2_000, error: { kind: 'connection', message: 'connection refused' }, health: null, backends: new Map() };

let app: ReturnType<typeof renderApp> | undefined;
afterEach(() => {
  app?.unmount();
  app = undefined;
});

function fleet(router: RouterView | null) {
  const made = storeWith(configOf(['gpu-node-1', 'gpu-node-2', 'local']), { 'gpu-node-1': [ok()], 'gpu-node-2': [refused, refused, refused], local: [ok()] });
  if (router) made.store.setRouter(router);
  made.store.flush();
  return made;
}

async function open(router: RouterView | null, options: Parameters<typeof renderApp>[1] = {}) {
  app = renderApp(fleet(router).store, options);
  await vi.waitFor(() => expect(app!.screen()).toContain('NAME'));
  return app;
}

const lines = (s: string): string[] => s.split('\n');

describe('the router in the header', () => {
  it('says its own verdict, the pending requests and how long it is up, on the third line', async () => {
    const a = await open(reachable());
    const s = lines(a.screen());
    expect(s[2]).toBe(`router ◐ degraded  1/2 healthy  ·  3 models  ·  4 pending  ·  up 1d  ·  ${URL}`);
    expect(s[3]).toContain('NAME');
  });

  it('is one line when the router is unreachable, and no backend shows an error for it', async () => {
    const a = await open(unreachable);
    const s = lines(a.screen());
    expect(s[2]).toBe(`router ✖ unreachable: connection refused (2s ago)  ·  ${URL}`);
    expect(a.screen().match(/connection refused/g)?.length).toBe(2); // the header, and gpu-node-2's own probe error
    const rows = s.filter((l) => l.includes('gpu-node-1') || l.includes('local'));
    for (const row of rows) expect(row).not.toContain('refused');
  });

  it('names an endpoint that failed beside what the other said', async () => {
    const partial = routerViewOf(URL, NOW, { ok: false, error: { kind: 'http', message: 'HTTP 404 Not Found' } }, parseRouterHealth(wireHttpAnswer('nexus/health.http')));
    const a = await open(partial);
    expect(lines(a.screen())[2]).toBe(`router ◐ degraded  1/2 healthy  ·  3 models  ·  /v1/stats: HTTP 404 Not Found  ·  up 1d  ·  ${URL}`);
  });

  it('says it has not been read yet before the first round', async () => {
    const a = await open(routerNotYetRead(URL));
    expect(lines(a.screen())[2]).toBe(`router not read yet  ·  ${URL}`);
  });

  it('is absent without a router, and the table keeps its rows', async () => {
    const a = await open(null);
    expect(a.screen()).not.toContain('router');
    expect(lines(a.screen())[2]).toContain('NAME');
  });

  it('keeps the frame within the terminal with the extra line', async () => {
    const a = await open(unreachable, { rows: 12, columns: 60 });
    expect(lines(a.screen()).length).toBeLessThanOrEqual(11);
    expect(lines(a.screen())[2]).toMatch(/^router ✖ unreachable: connection refused/);
  });

  it('reads in ASCII without colour', async () => {
    const a = await open(unreachable, { unicode: false, color: false });
    expect(lines(a.screen())[2]).toBe(`router x unreachable: connection refused (2s ago)  |  ${URL}`);
  });

  it('is the same in the first frame drawn before Ink', () => {
    const { store } = fleet(reachable());
    const theme = makeTheme({ color: false, unicode: true });
    const frame = firstFrameLines({ snapshot: store.getSnapshot(), meta: { version: '9.9.9', source: 'test.toml' }, theme, columns: 120, rows: 30 });
    expect(lineText(frame[2]!, 120, theme)).toBe(`router ◐ degraded  1/2 healthy  ·  3 models  ·  4 pending  ·  up 1d  ·  ${URL}`);
    expect(frame.length).toBe(29);
  });
});

describe('the router in the detail pane', () => {
  it('shows the router figures for the selected backend', async () => {
    const a = await open(reachable());
    await a.press(KEYS.enter);
    await vi.waitFor(() => expect(a.screen()).toMatch(/router\s+4 pending  12001 requests  avg 23ms  read \d\d:\d\d:\d\d \(3s ago\)/));
    // Said once: the load lines leave the router's pending to the router's own line.
    expect(a.screen().match(/^\s*router\s+4 pending/gm)).toHaveLength(1);
  });

  it('says when the router does not know the backend, or cannot be read', async () => {
    const a = await open(reachable());
    await a.press(KEYS.down, KEYS.down, KEYS.enter);
    await vi.waitFor(() => expect(a.screen()).toContain("not among the router's 2 backends (matched by name)"));
    a.unmount();
    const b = await open(unreachable);
    await b.press(KEYS.enter);
    await vi.waitFor(() => expect(b.screen()).toMatch(/router\s+unknown: connection refused/));
  });
});
