/**
 * The generation check against the REAL llama-server in ../shared/peers/llama-server (llama.cpp v0.5.0,
 * CPU, a tiny model): `nexus-top --once --json --generate 30s` must get one token from /v1/completions.
 * Independent of the load test's server (its own port and temp dir; ../shared is read-only).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/run-cli.js';

const PEER = fileURLToPath(new URL('../../../shared/peers/llama-server/', import.meta.url));
const BIN = join(PEER, 'bin/llama-server');
const MODEL = join(PEER, 'models/tiny.gguf');
const present = existsSync(BIN) && existsSync(MODEL);

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.setTimeout(2_000, () => req.destroy());
    req.end();
  });
}

interface GenerationJson {
  ok: boolean;
  model: string | null;
  ttft_ms: number | null;
  at: string | null;
  error: unknown;
  skipped: string | null;
}

// Skipped only where the peer is absent, saying why in the suite's name (a clone without ../shared; CI has it).
const suite = present ? 'generation check against the real llama-server' : `generation check against the real llama-server: skipped, ${PEER} is absent (a clone without ../shared; CI has it)`;
describe.skipIf(!present)(suite, () => {
  let dir: string;
  let server: ChildProcess;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nexus-top-llama-generate-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const log = openSync(join(dir, 'llama-server.log'), 'w');
    server = spawn(BIN, ['-m', MODEL, '--host', '127.0.0.1', '--port', String(port)], { stdio: ['ignore', log, log] });
    const end = Date.now() + 20_000;
    while ((await status(`${base}/health`)) !== 200) {
      if (Date.now() > end) throw new Error('llama-server: /health not ok within 20 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 30_000);

  afterAll(() => {
    server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('--once --json --generate: /v1/completions answers the check (ok, the listed model, ttft_ms > 0)', async () => {
    const env = { HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_STATE_HOME: join(dir, 'state'), NEXUS_TOP_CONFIG: undefined, CI: 'true' };
    const run = await runCli(['--once', '--json', '--generate', '30s', `llama@llamacpp=${base}`], { env, cwd: ROOT });
    expect(run.stderr).toBe('');
    const doc = JSON.parse(run.stdout) as { backends: Array<{ status: string; models: string[]; last_error: unknown; generation: GenerationJson }> };
    const b = doc.backends[0]!;
    expect(b.status).toBe('healthy');
    expect(b.last_error).toBeNull();
    expect(b.generation).toMatchObject({ ok: true, error: null, skipped: null });
    expect(b.generation.model).toBe(b.models[0]);
    expect(b.generation.ttft_ms).toBeGreaterThan(0);
    expect(Date.parse(b.generation.at!)).toBeGreaterThan(0);
  }, 30_000);
});
