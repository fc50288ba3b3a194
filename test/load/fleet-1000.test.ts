/**
 * A fleet of 1000 backends on loopback, probed by the real engine (createEngine: undici prober, monitor,
 * store) on the system clock at a 1 s interval:
 *  - every backend is probed on schedule: its first probe within 3 intervals of the start (spread over
 *    the first one, then at most two late on a busy machine), never more than 3 intervals between two probes, none at the
 *    end missing, and no more probes than the window holds (+1), nor fewer than those gaps allow;
 *  - the probes in flight never exceed `concurrency` (the servers count the requests they hold);
 *  - nothing is lost from the store: every backend has its result with the right model list, one status
 *    event, and as many samples in its history as probes the store was told of, which is as many as
 *    its server answered (less one at most: a probe cut short by the stop is not recorded).
 * Each backend is a node:http server of its own (its own port, so its own connection pool, as in life),
 * answering `GET /v1/models` with (i % 5) + 1 models after 30 ms (20 ms for the second case). The windows are short for CI (bench/ has the long
 * run with CPU and memory); the tolerances are whole intervals, so a slow machine passes while a missed
 * schedule does not.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_HEALTH, DEFAULT_TOP, type Config } from '../../src/config/types.js';
import { createEngine, type Engine } from '../../src/engine.js';
import { systemClock } from '../../src/core/clock.js';
import type { ProbeResult } from '../../src/core/outcome.js';
import type { FleetEvent } from '../../src/store/types.js';

const N = 1_000;
const INTERVAL_MS = 1_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const modelsOf = (i: number): string[] => Array.from({ length: (i % 5) + 1 }, (_, k) => `model-${i}-${k}`);

interface Fleet {
  ports: number[];
  /** Per backend, when each request arrived (performance.now()). */
  arrivals: number[][];
  /** Requests not on /v1/models. */
  strays: string[];
  /** Requests held now, and at most, fleet-wide. */
  open(): number;
  maxOpen(): number;
  close(): Promise<void>;
}

/** N servers on 127.0.0.1; each answers after `delayMs`. */
async function startFleet(n: number, delayMs: number): Promise<Fleet> {
  const arrivals: number[][] = Array.from({ length: n }, () => []);
  const strays: string[] = [];
  let open = 0;
  let maxOpen = 0;
  const servers: Server[] = [];
  await Promise.all(
    Array.from({ length: n }, (_, i) => {
      const body = JSON.stringify({ object: 'list', data: modelsOf(i).map((id) => ({ id, object: 'model' })) });
      const server = createServer((req, res) => {
        arrivals[i]!.push(performance.now());
        if (req.url !== '/v1/models') strays.push(`${i} ${req.method} ${req.url}`);
        open += 1;
        maxOpen = Math.max(maxOpen, open);
        let held = true;
        const release = (): void => {
          if (held) open -= 1;
          held = false;
        };
        res.on('finish', release);
        res.on('close', release);
        const answer = (): void => {
          if (res.destroyed) return;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(body);
        };
        if (delayMs > 0) setTimeout(answer, delayMs);
        else answer();
      });
      servers[i] = server;
      return new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
    }),
  );
  return {
    ports: servers.map((s) => (s.address() as AddressInfo).port),
    arrivals,
    strays,
    open: () => open,
    maxOpen: () => maxOpen,
    close: () =>
      Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      ).then(() => undefined),
  };
}

function configOf(fleet: Fleet, concurrency: number): Config {
  return {
    source: 'fleet-1000',
    health: { ...DEFAULT_HEALTH, intervalMs: INTERVAL_MS, timeoutMs: 10_000 },
    top: { ...DEFAULT_TOP, concurrency, fastIntervalMs: INTERVAL_MS },
    backends: fleet.ports.map((port, i) => ({ name: `b${i}`, url: `http://127.0.0.1:${port}`, type: 'openai', priority: 50, tlsVerify: true })),
  };
}

/** What the store said, as it said it (unbatched). */
function listen(engine: Engine): { results: Map<string, number>; events: FleetEvent[] } {
  const results = new Map<string, number>();
  const events: FleetEvent[] = [];
  engine.store.onResult((r: ProbeResult) => results.set(r.backend, (results.get(r.backend) ?? 0) + 1));
  engine.store.onEvent((e) => events.push(e));
  return { results, events };
}

/** Every backend healthy with its own model list, one status event each, and every result kept. */
function expectNothingLost(engine: Engine, fleet: Fleet, heard: ReturnType<typeof listen>): void {
  const snapshot = engine.store.getSnapshot();
  expect(snapshot.backends).toHaveLength(N);
  expect(snapshot.summary.healthy).toBe(N);
  const wrong: string[] = [];
  let recorded = 0;
  let answered = 0;
  for (let i = 0; i < N; i++) {
    const name = `b${i}`;
    const b = snapshot.byName.get(name)!;
    const served = fleet.arrivals[i]!.length;
    const told = heard.results.get(name) ?? 0;
    recorded += b.history.length;
    answered += served;
    if (b.lastCheckAt === null || b.status !== 'healthy') wrong.push(`${name}: ${b.status}, last check ${b.lastCheckAt}`);
    else if (b.models.join() !== modelsOf(i).join()) wrong.push(`${name}: models ${JSON.stringify(b.models)}`);
    else if (b.history.length !== told) wrong.push(`${name}: ${b.history.length} in its history, ${told} results recorded`);
    else if (told < served - 1 || told > served) wrong.push(`${name}: ${told} results recorded, ${served} requests answered`);
  }
  expect(wrong.slice(0, 10), `${wrong.length} backends wrong`).toEqual([]);
  // The probes cut short by the stop: at most one per backend, and no more than were in flight.
  expect(answered - recorded).toBeLessThanOrEqual(engine.config.top.concurrency);
  const status = heard.events.filter((e) => e.type === 'status');
  expect(status).toHaveLength(N);
  expect(new Set(status.map((e) => e.backend)).size).toBe(N);
  expect(status.every((e) => e.type === 'status' && e.from === 'unknown' && e.to === 'healthy')).toBe(true);
  expect(fleet.strays).toEqual([]);
}

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('1000 backends on loopback, 1 s interval', () => {
  it('concurrency 64, answers taking 30 ms: every backend probed on schedule, never more than 64 in flight, nothing lost', async () => {
    const WINDOW_MS = 9_000;
    // Answers take 30 ms, so some 30 probes are in flight on average (the limit allows 2000 a second).
    const fleet = await startFleet(N, 30);
    cleanup.push(() => fleet.close());
    const engine = createEngine(configOf(fleet, 64), systemClock, {});
    cleanup.push(() => engine.close());
    const heard = listen(engine);

    // The servers, the engine and this test share one event loop, and the machine runs other test files
    // beside it (CI runs tmux tests and servers on the same 2 cores): measured there, gaps reach 2.3–2.6 s
    // when the process gets a fraction of a core. So a probe may be two intervals late, plus the longest
    // stall of the loop measured; a probe the engine failed to schedule (a backend never probed again, a
    // gap of the whole window) still fails, and so does a probe scheduled twice.
    const stalls = monitorEventLoopDelay({ resolution: 10 });
    stalls.enable();
    const t0 = performance.now();
    engine.monitor.start();
    await sleep(WINDOW_MS);
    const tEnd = performance.now();
    stalls.disable();
    await engine.close();
    const window = tEnd - t0;
    const slack = stalls.max / 1e6;
    const most = 3 * INTERVAL_MS + slack;

    expect(fleet.maxOpen(), 'requests held at once').toBeLessThanOrEqual(64);
    // Measured where it matters: many at once, not one after the other.
    expect(fleet.maxOpen(), 'requests held at once').toBeGreaterThanOrEqual(16);
    // On schedule: due at start + jitter (< 1 interval), then every interval; at most one interval late.
    const expected = Math.round(window / INTERVAL_MS);
    const late: string[] = [];
    let worstGap = 0;
    for (let i = 0; i < N; i++) {
      const at = fleet.arrivals[i]!.filter((t) => t <= tEnd);
      const gaps = at.slice(1).map((t, k) => t - at[k]!);
      const first = (at[0] ?? Infinity) - t0;
      const sinceLast = tEnd - (at[at.length - 1] ?? t0);
      worstGap = Math.max(worstGap, ...gaps, first, sinceLast);
      if (first > most) late.push(`b${i}: first probe after ${Math.round(first)} ms`);
      else if (gaps.some((g) => g > most)) late.push(`b${i}: ${Math.round(Math.max(...gaps))} ms between two probes`);
      // Probed too often is off schedule too (a probe scheduled twice, say).
      else if (gaps.some((g) => g < INTERVAL_MS / 2)) late.push(`b${i}: only ${Math.round(Math.min(...gaps))} ms between two probes`);
      else if (sinceLast > most) late.push(`b${i}: no probe in the last ${Math.round(sinceLast)} ms`);
      // Too many is a probe scheduled twice; too few for the gaps allowed above is one lost on the way.
      else if (at.length > expected + 1 || at.length < Math.floor(window / most)) late.push(`b${i}: ${at.length} probes in ${Math.round(window)} ms`);
    }
    expect(late.slice(0, 10), `${late.length} backends off schedule (worst gap ${Math.round(worstGap)} ms, longest stall of the event loop ${Math.round(slack)} ms)`).toEqual([]);
    expectNothingLost(engine, fleet, heard);
  }, 60_000);

  it('concurrency 8, answers taking 20 ms: 8 probes in flight at most (and at times), the rest queue, nothing lost', async () => {
    // 1000 probes due per second, 8 × (1000 / 20) = 400 possible: the limit is what holds them back.
    const fleet = await startFleet(N, 20);
    cleanup.push(() => fleet.close());
    const engine = createEngine(configOf(fleet, 8), systemClock, {});
    cleanup.push(() => engine.close());
    const heard = listen(engine);

    const t0 = performance.now();
    engine.monitor.start();
    // Until every backend has its first result (about 2.5 s at 400 a second).
    while (heard.results.size < N && performance.now() - t0 < 30_000) await sleep(50);
    await engine.close();
    const took = performance.now() - t0;

    expect(heard.results.size, 'backends with a result').toBe(N);
    // Held back indeed: 1000 answers of 20 ms at 8 at a time take at least 2.5 s.
    expect(took).toBeGreaterThanOrEqual((N / 8) * 20);
    expect(fleet.maxOpen(), 'requests held at once, fleet-wide').toBeLessThanOrEqual(8);
    expect(fleet.maxOpen(), 'the limit was reached').toBe(8);
    expectNothingLost(engine, fleet, heard);
  }, 60_000);
});
