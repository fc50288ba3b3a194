/**
 * Config reload, end to end with the built binary in --events (and --headless) mode against loopback
 * backends: the file changes on disk -> backends added, removed and replaced without losing the
 * history of the unchanged ones; a bad file keeps the old config running and says why; SIGHUP re-reads.
 */
import { spawn } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliSandbox } from '../helpers/cli-sandbox.js';
import { CLI } from '../helpers/run-cli.js';

const box = cliSandbox('reload');
const { dir, ollama } = box;
const env = { ...process.env, ...box.env, NEXUS_TOP_CONFIG: '' };

const toml = (backends: Array<[string, string]>, interval = '0.2'): string =>
  `[health_check]\ninterval_seconds = ${interval}\n\n` + backends.map(([name, url]) => `[[backends]]\nname = "${name}"\nurl = "${url}"\ntype = "ollama"\n`).join('\n');

/** Save as an editor does: a new file renamed over the old one. */
function save(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

interface Event {
  type: string;
  backend?: string;
  to?: string;
  added?: string[];
  removed?: string[];
  replaced?: string[];
  message?: string;
}

function run(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  box.track(child);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const events = (): Event[] => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event);
  const waitFor = async (what: string, ok: (e: Event) => boolean, after = 0, timeoutMs = 10_000): Promise<Event> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const hit = events().slice(after).find(ok);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${what} event in ${timeoutMs} ms; events: ${out}\nstderr: ${err}`);
  };
  return { child, exit, events, waitFor, stderr: () => err };
}

describe('config reload', () => {
  it('applies a changed file: added, removed, replaced; a bad file keeps the old config and says why', { timeout: 30_000 }, async () => {
    const [a, b, c, d] = [await ollama(), await ollama(), await ollama(), await ollama()];
    const file = join(dir, 'fleet.toml');
    save(file, toml([['keep', a.url], ['gone', b.url], ['moved', c.url]]));
    const p = run(['--events', '--config', file]);
    for (const name of ['keep', 'gone', 'moved']) await p.waitFor(`${name} healthy`, (e) => e.type === 'status' && e.backend === name && e.to === 'healthy');
    const keepRequests = a.requests.length;

    save(file, toml([['keep', a.url], ['moved', d.url], ['new', b.url]]));
    const reload = await p.waitFor('config_reload', (e) => e.type === 'config_reload');
    expect(reload).toMatchObject({ added: ['new'], removed: ['gone'], replaced: ['moved'] });
    // Counted from the reload event itself: the first probes after it may already be in (polling is 50 ms).
    const n = p.events().findIndex((e) => e.type === 'config_reload') + 1;
    // The new and the replaced backend start afresh (unknown -> healthy); the unchanged one does not.
    await p.waitFor('new healthy', (e) => e.type === 'status' && e.backend === 'new' && e.to === 'healthy', n);
    await p.waitFor('moved healthy again', (e) => e.type === 'status' && e.backend === 'moved' && e.to === 'healthy', n);
    const dRequests = d.requests.length;
    await new Promise((r) => setTimeout(r, 500));
    expect(d.requests.length, 'the replaced backend is probed at its new URL').toBeGreaterThan(dRequests);
    expect(a.requests.length, 'the unchanged backend is still probed').toBeGreaterThan(keepRequests);
    expect(p.events().slice(n).some((e) => e.type === 'status' && e.backend === 'keep'), 'keep kept its state').toBe(false);

    // A bad file: one config_error naming file and line; the running fleet goes on.
    save(file, '[[backends]]\nname = "x"\nurl = 42\n');
    const bad = await p.waitFor('config_error', (e) => e.type === 'config_error');
    expect(bad.message).toMatch(/fleet\.toml:3: backends\[0\] \(x\)\.url: expected a string/);
    const before = a.requests.length;
    await new Promise((r) => setTimeout(r, 600));
    expect(a.requests.length).toBeGreaterThan(before);
    // Fixed again: applied.
    save(file, toml([['keep', a.url]]));
    const fixed = await p.waitFor('config_reload after the fix', (e) => e.type === 'config_reload', n);
    expect(fixed.removed!.sort()).toEqual(['moved', 'new']);
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
  });

  it('--headless: a SIGHUP after editing the file re-reads it instead of stopping', { timeout: 20_000 }, async () => {
    const a = await ollama();
    const b = await ollama();
    const file = join(dir, 'hup.toml');
    writeFileSync(file, toml([['first', a.url]]));
    const p = run(['--headless', '--config', file, '--record', join(dir, 'hup.ndjson')]);
    await new Promise((r) => setTimeout(r, 800));
    expect(a.requests.length).toBeGreaterThan(0);
    // Written in place (no rename), then SIGHUP, as an operator would: the watch or the signal applies it.
    writeFileSync(file, toml([['first', a.url], ['second', b.url]]));
    p.child.kill('SIGHUP');
    const deadline = Date.now() + 5_000;
    while (b.requests.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(b.requests.length, 'the added backend is probed').toBeGreaterThan(0);
    expect(p.child.exitCode, 'still running after SIGHUP').toBeNull();
    p.child.kill('SIGINT');
    expect(await p.exit).toBe(0);
  });
});
