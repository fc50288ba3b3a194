/**
 * `nexus-top URL…`: backends named on the command line, their types detected by probing real
 * (recorded) server answers on loopback, named NAME@URL or after host:port, merged with --config.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, serveRoutes, type Loopback } from '../helpers/loopback.js';
import { runCli } from '../helpers/run-cli.js';

interface JsonBackend {
  name: string;
  type: string;
  status: string;
  url: string;
  models: string[] | null;
}

let ollama: Loopback;
let llamacpp: Loopback;
let vllm: Loopback;
let lmstudio: Loopback;
const dir = mkdtempSync(join(tmpdir(), 'nexus-top-targets-'));
// Nothing from the developer's machine: no ./nexus.toml, no $NEXUS_TOP_CONFIG, no state of theirs.
const env = { NEXUS_TOP_CONFIG: undefined, XDG_CONFIG_HOME: join(dir, 'config'), XDG_STATE_HOME: join(dir, 'state'), HOME: dir, CI: 'true' };

beforeAll(async () => {
  ollama = await serveRoutes({ '/api/tags': 'ollama/api_tags.http', '/v1/models': 'ollama/v1_models.http', '/': 'ollama/root.http' }, 'ollama/not_found.http');
  llamacpp = await serveRoutes({ '/health': 'llamacpp/health_ok.http', '/v1/models': 'llamacpp/v1_models.http' }, 'llamacpp/not_found.http');
  vllm = await serveRoutes({ '/v1/models': 'vllm/v1_models.http', '/health': 'vllm/health_ok.http' });
  lmstudio = await serveRoutes({ '/v1/models': 'lmstudio/v1_models.http' });
});
afterAll(async () => {
  await Promise.all([ollama, llamacpp, vllm, lmstudio].map((s) => s?.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function once(args: string[]): Promise<{ code: number | null; backends: JsonBackend[]; stderr: string }> {
  const run = await runCli([...args, '--once', '--json'], { cwd: dir, env });
  expect(run.stdout, run.stderr).not.toBe('');
  return { code: run.code, backends: (JSON.parse(run.stdout) as { backends: JsonBackend[] }).backends, stderr: run.stderr };
}

describe('backend URLs on the command line', () => {
  it('detects each URL\'s type from what it answers and names it after host:port', async () => {
    const { code, backends } = await once([ollama.url, llamacpp.url, vllm.url, lmstudio.url.replace('http://', '')]);
    expect(code).toBe(0);
    const byUrl = new Map(backends.map((b) => [b.url.replace(/\/$/, ''), b]));
    expect(byUrl.get(ollama.url)).toMatchObject({ name: `127.0.0.1:${ollama.port}`, type: 'ollama', status: 'healthy' });
    expect(byUrl.get(llamacpp.url)).toMatchObject({ type: 'llamacpp', status: 'healthy' });
    expect(byUrl.get(vllm.url)).toMatchObject({ type: 'vllm', status: 'healthy' });
    // No scheme: http:// is assumed.
    expect(byUrl.get(lmstudio.url)).toMatchObject({ type: 'lmstudio', status: 'healthy' });
    expect(byUrl.get(ollama.url)!.models!.length).toBeGreaterThan(0);
  });

  it('TYPE=URL forces the type and NAME@URL names the backend', async () => {
    const { backends } = await once([`gpu1@vllm=${ollama.url}`, `llamacpp=${llamacpp.url}`]);
    expect(backends.find((b) => b.name === 'gpu1')).toMatchObject({ type: 'vllm' });
    expect(backends.find((b) => b.url.startsWith(llamacpp.url))).toMatchObject({ type: 'llamacpp', status: 'healthy' });
  });

  it('a URL that does not answer is watched as generic and said once on stderr, without its password', async () => {
    const port = await closedPort();
    const { code, backends, stderr } = await once([`http://admin:s3cretpass@127.0.0.1:${port}`, ollama.url]);
    expect(code).toBe(1);
    expect(backends.find((b) => b.url.includes(String(port)))).toMatchObject({ type: 'generic', status: 'unhealthy' });
    expect(stderr).toMatch(/type not detected .*watched as generic/);
    expect(stderr + JSON.stringify(backends)).not.toContain('s3cretpass');
  });

  it('with --config, the file\'s backends and the URLs are watched together; a name in both is a usage error', async () => {
    const config = join(dir, 'both.toml');
    writeFileSync(config, `[[backends]]\nname = "from-file"\nurl = "${vllm.url}"\ntype = "vllm"\n`);
    const { backends } = await once(['--config', config, `extra@${ollama.url}`]);
    expect(backends.map((b) => b.name).sort()).toEqual(['extra', 'from-file']);
    const clash = await runCli(['--config', config, `from-file@${ollama.url}`, '--once'], { cwd: dir, env });
    expect(clash.code).toBe(3);
    expect(clash.stderr).toMatch(/"from-file" on the command line .* is already used in/);
  });

  it('URLs replace an implicit ./nexus.toml (they are what was asked for)', async () => {
    const cwd = join(dir, 'cwd');
    mkdirSync(cwd);
    writeFileSync(join(cwd, 'nexus.toml'), `[[backends]]\nname = "implicit"\nurl = "${vllm.url}"\n`);
    const run = await runCli([`only@${ollama.url}`, '--once', '--json'], { cwd, env });
    expect((JSON.parse(run.stdout) as { backends: JsonBackend[] }).backends.map((b) => b.name)).toEqual(['only']);
  });
});
