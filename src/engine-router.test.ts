import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeClock } from '../test/helpers/fake-clock.js';
import { configOf } from '../test/helpers/fleet.js';
import { closedPort, serveRoutes, type Loopback } from '../test/helpers/loopback.js';
import { diffFleets } from './config/diff.js';
import { createEngine, type Engine } from './engine.js';

const servers: Loopback[] = [];
const engines: Engine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function nexus(): Promise<Loopback> {
  const s = await serveRoutes({ '/v1/stats': 'nexus/v1_stats.http', '/health': 'nexus/health.http' });
  servers.push(s);
  return s;
}

function engineFor(routerUrl: string | null, names = ['gpu-node-1', 'local']) {
  const clock = fakeClock(1_700_000_000_000);
  const config = configOf(names, { top: { routerUrl, load: false }, health: { intervalMs: 10_000 } });
  const engine = createEngine(config, clock, {}, { connections: 'single' });
  engines.push(engine);
  return { engine, clock, config };
}

describe('the engine with a router', () => {
  it('has no router view without router_url', () => {
    const { engine } = engineFor(null);
    expect(engine.store.getSnapshot().router).toBeNull();
  });

  it('shows the router as not read yet, then reads it with a check of the whole fleet (--once)', async () => {
    const server = await nexus();
    const { engine } = engineFor(server.url);
    engine.store.flush();
    expect(engine.store.getSnapshot().router).toMatchObject({ url: server.url, at: null, error: null });
    await engine.monitor.checkNow();
    engine.store.flush();
    const s = engine.store.getSnapshot();
    expect(s.router?.health?.status).toBe('degraded');
    expect(s.byName.get('gpu-node-1')?.load).toMatchObject({ routerPending: 4, sources: ['router'] });
    // Not a router backend: nothing from it.
    expect(s.byName.get('local')?.load).toBeNull();
    // Backends that cannot be reached (port 1) fail their probes; the router's view is not theirs.
    expect(s.byName.get('gpu-node-1')?.lastOutcome).toBe('failure');
  });

  it('reads it on the schedule once the monitor starts, each load interval', async () => {
    const server = await nexus();
    const { engine, clock } = engineFor(server.url);
    engine.monitor.start();
    await clock.advance(0);
    await vi.waitFor(() => expect(server.requests.length).toBe(2));
    // The load interval: the probe interval (10 s) here.
    await clock.advance(9_000);
    expect(server.requests.length).toBe(2);
    await clock.advance(1_500);
    await vi.waitFor(() => expect(server.requests.length).toBe(4));
  });

  it('follows the probe interval set by hand (+/-) when no load interval is configured', async () => {
    const server = await nexus();
    const { engine, clock } = engineFor(server.url);
    engine.monitor.start();
    await clock.advance(0);
    await vi.waitFor(() => expect(server.requests.length).toBe(2));
    engine.monitor.setIntervalMs(60_000);
    await clock.advance(30_000);
    expect(server.requests.length).toBe(2);
    await clock.advance(30_500);
    await vi.waitFor(() => expect(server.requests.length).toBe(4));
  });

  it('reads nothing while paused', async () => {
    const server = await nexus();
    const { engine, clock } = engineFor(server.url);
    engine.monitor.start();
    await clock.advance(0);
    await vi.waitFor(() => expect(server.requests.length).toBe(2));
    engine.monitor.pause();
    await clock.advance(60_000);
    expect(server.requests.length).toBe(2);
    engine.monitor.resume();
    await clock.advance(0);
    await vi.waitFor(() => expect(server.requests.length).toBe(4));
  });

  it('says an unreachable router on the router view, not on the backends', async () => {
    const port = await closedPort();
    const { engine } = engineFor(`http://127.0.0.1:${port}`);
    await engine.monitor.checkNow();
    engine.store.flush();
    const s = engine.store.getSnapshot();
    expect(s.router?.error).toEqual({ kind: 'connection', message: 'connection refused' });
    for (const b of s.backends) expect(b.load).toBeNull();
  });

  it('follows a reload that adds, changes or removes router_url', async () => {
    const server = await nexus();
    const { engine, config } = engineFor(null);
    const withRouter = { ...config, top: { ...config.top, routerUrl: server.url } };
    engine.reload(withRouter, diffFleets(config, withRouter));
    await engine.monitor.checkNow();
    engine.store.flush();
    expect(engine.store.getSnapshot().router?.backends.size).toBe(2);
    engine.reload(config, diffFleets(withRouter, config));
    engine.store.flush();
    expect(engine.store.getSnapshot().router).toBeNull();
    expect(engine.store.getSnapshot().byName.get('gpu-node-1')?.load).toBeNull();
  });
});
