/**
 * The generation check against the REAL llama-server in ../shared/peers/llama-server (llama.cpp v0.5.0,
 * CPU, a tiny model): `nexus-top --once --json --generate 30s` must get one token from /v1/completions.
 * Independent of the load test's server (its own port and temp dir; ../shared is read-only).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEER, peerPresent as present, startLlamaServer, type LlamaServer } from '../helpers/llama-server.js';
import { ROOT, runCli } from '../helpers/run-cli.js';

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
  let server: LlamaServer | undefined;

  beforeAll(async () => {
    server = await startLlamaServer('generate');
  }, 30_000);

  afterAll(() => server?.stop());

  it('--once --json --generate: /v1/completions answers the check (ok, the listed model, ttft_ms > 0)', async () => {
    const run = await runCli(['--once', '--json', '--generate', '30s', `llama@llamacpp=${server!.base}`], { env: server!.env, cwd: ROOT });
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
