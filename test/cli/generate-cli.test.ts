/**
 * The built binary with `--generate` against a loopback backend whose model list is fine and whose
 * completions fail (a CUDA error): `--once --json` and `--check` say so (stage generate); without the
 * flag no completion is asked. And `[top.generate_models]` from a config file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSandbox } from '../helpers/cli-sandbox.js';
import { startLoopback, type Loopback } from '../helpers/loopback.js';
import { runCli } from '../helpers/run-cli.js';

const box = cliSandbox('generate-cli');
const { dir, env } = box;
let server: Loopback;
const seen: Array<{ url: string; body: string }> = [];
let completions: 'ok' | 'cuda' = 'cuda';

beforeAll(async () => {
  server = await startLoopback((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', body });
      res.setHeader('content-type', 'application/json');
      if (req.url === '/v1/models') return res.end(JSON.stringify({ object: 'list', data: [{ id: 'm1' }, { id: 'm2' }] }));
      if (completions === 'cuda') {
        res.statusCode = 500;
        return res.end(JSON.stringify({ error: { message: 'CUDA error: an illegal memory access was encountered', type: 'server_error' } }));
      }
      res.end(JSON.stringify({ choices: [{ text: 'x' }] }));
    });
  });
});
afterAll(() => server.close());

const completionsAsked = (): Array<{ model: string; max_tokens: number }> => seen.filter((s) => s.url === '/v1/completions').map((s) => JSON.parse(s.body) as { model: string; max_tokens: number });

describe('--generate from the command line', () => {
  it('--once --json: a backend listing its models but failing completions is unhealthy, last_error.stage generate', async () => {
    completions = 'cuda';
    seen.length = 0;
    const run = await runCli(['--once', '--json', '--generate', '30s', `gpu@vllm=${server.url}`], { env });
    const b = (JSON.parse(run.stdout) as { backends: Array<Record<string, unknown>> }).backends[0]!;
    expect(run.code).toBe(2);
    expect(b['status']).toBe('unhealthy');
    expect(b['model_count']).toBe(2);
    expect(b['last_error']).toMatchObject({ kind: 'http', stage: 'generate', message: 'HTTP 500: CUDA error: an illegal memory access was encountered' });
    expect(b['generation']).toMatchObject({ ok: false, model: 'm1', ttft_ms: null, error: { kind: 'http' }, skipped: null });
    expect(completionsAsked()).toEqual([expect.objectContaining({ model: 'm1', max_tokens: 1 })]);
  });

  it('--check --generate: CRITICAL naming the generation failure; without --generate no completion is asked', async () => {
    completions = 'cuda';
    seen.length = 0;
    const run = await runCli(['--check', '--generate', '30s', `gpu@vllm=${server.url}`], { env });
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^NEXUS-TOP CRITICAL - 0\/1 healthy, 1 unhealthy \(gpu: generate http\)/);
    const plain = await runCli(['--once', '--json', `gpu@vllm=${server.url}`], { env });
    const b = (JSON.parse(plain.stdout) as { backends: Array<Record<string, unknown>> }).backends[0]!;
    expect(b['status']).toBe('healthy');
    expect(b['generation']).toBeNull();
    expect(completionsAsked()).toHaveLength(1);
  });

  it('[top] generate_interval_seconds and [top.generate_models] from the config file: the named model, ok, ttft_ms > 0', async () => {
    completions = 'ok';
    seen.length = 0;
    const file = join(dir, 'generate.toml');
    writeFileSync(file, `[top]\ngenerate_interval_seconds = 60\n[top.generate_models]\ngpu = "m2"\n\n[[backends]]\nname = "gpu"\nurl = "${server.url}"\ntype = "vllm"\n`);
    const run = await runCli(['--once', '--json', '--config', file], { env });
    expect(run.stderr).toBe('');
    const b = (JSON.parse(run.stdout) as { backends: Array<{ status: string; generation: { ok: boolean; model: string; ttft_ms: number } }> }).backends[0]!;
    expect(b.status).toBe('healthy');
    expect(b.generation).toMatchObject({ ok: true, model: 'm2' });
    expect(b.generation.ttft_ms).toBeGreaterThan(0);
    expect(completionsAsked().map((c) => c.model)).toEqual(['m2']);
  });
});
