/**
 * Load from the REAL llama-server in ../shared/peers/llama-server (llama.cpp v0.5.0, CPU, a tiny model):
 * two slots, `--metrics`, long generations in flight; `nexus-top --once --json` must see the slots busy
 * and the queue from /metrics. The server's output goes to a temp dir of this test (../shared is read-only).
 */
import { request, type ClientRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEER, peerPresent as present, startLlamaServer, type LlamaServer } from '../helpers/llama-server.js';
import { ROOT, runCli } from '../helpers/run-cli.js';

async function getJson(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(url, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: 0, body: '' }));
    });
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.setTimeout(2_000, () => req.destroy());
    req.end();
  });
}

async function until<T>(what: string, get: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`llama-server: ${what} not seen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A generation that keeps a slot busy for tens of seconds (aborted at the end). */
function longGeneration(base: string): ClientRequest {
  const req = request(`${base}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } });
  req.on('error', () => {});
  req.on('response', (res) => res.resume().on('error', () => {}));
  req.end(JSON.stringify({ prompt: 'hello', max_tokens: 100000, ignore_eos: true }));
  return req;
}

const busySlots = async (base: string): Promise<number | undefined> => {
  const r = await getJson(`${base}/slots`);
  if (r.status !== 200) return undefined;
  return (JSON.parse(r.body) as Array<{ is_processing?: boolean }>).filter((s) => s.is_processing).length;
};

interface LoadJson {
  running: number | null;
  waiting: number | null;
  slots: { busy: number; total: number } | null;
  sources: string[];
  error: unknown;
}

// Skipped only where the peer is absent, saying why in the suite's name (a clone without ../shared; CI has it).
const suite = present ? 'load from the real llama-server (two slots, --metrics)' : `load from the real llama-server: skipped, ${PEER} is absent (a clone without ../shared; CI has it)`;
describe.skipIf(!present)(suite, () => {
  let server: LlamaServer | undefined;
  let base: string;
  const generations: ClientRequest[] = [];

  beforeAll(async () => {
    server = await startLlamaServer('load', ['-np', '2', '--metrics', '--context-shift']);
    base = server.base;
  }, 30_000);

  afterAll(() => {
    for (const g of generations) g.destroy();
    server?.stop();
  });

  const once = async (): Promise<{ status: string; load: LoadJson }> => {
    const run = await runCli(['--once', '--json', `llama@llamacpp=${base}`], { env: server!.env, cwd: ROOT });
    expect(run.stderr).toBe('');
    const doc = JSON.parse(run.stdout) as { backends: Array<{ status: string; load: LoadJson }> };
    return doc.backends[0]!;
  };

  it('with one long generation in flight: 1 or 2 of 2 slots busy, running and waiting from /metrics', async () => {
    generations.push(longGeneration(base));
    await until('a busy slot', async () => ((await busySlots(base)) ?? 0) >= 1 || undefined);
    const b = await once();
    expect(b.status).toBe('healthy');
    expect(b.load.error).toBeNull();
    expect(b.load.sources).toEqual(['slots', 'metrics']);
    expect(b.load.slots?.total).toBe(2);
    expect([1, 2]).toContain(b.load.slots?.busy);
    expect(b.load.running).toBeGreaterThanOrEqual(1);
    expect(b.load.waiting).toBe(0);
  }, 30_000);

  it('with three in flight on two slots: both busy and one waiting (llamacpp:requests_deferred)', async () => {
    generations.push(longGeneration(base), longGeneration(base));
    await until('a deferred request', async () => {
      const m = await getJson(`${base}/metrics`);
      return /^llamacpp:requests_deferred 1\b/m.test(m.body) || undefined;
    });
    const b = await once();
    expect(b.load.slots).toEqual({ busy: 2, total: 2 });
    expect(b.load.running).toBe(2);
    expect(b.load.waiting).toBe(1);
  }, 30_000);
});
