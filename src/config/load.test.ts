import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRoot, nobody, type Nobody } from '../../test/helpers/as-nobody.js';
import { ConfigError } from './errors.js';
import { loadConfig, MAX_CONFIG_BYTES } from './load.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nexus-top-load-'));
  });
  afterEach(() => {
    chmodSync(dir, 0o755);
    rmSync(dir, { recursive: true, force: true });
  });

  const messageOf = (file: string): string => {
    try {
      loadConfig(file);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('loads a file, with the path as given as source, and applies overrides', () => {
    const file = join(dir, 'nexus.toml');
    copyFileSync(join(root, 'nexus.example.toml'), file);
    const config = loadConfig(file, { intervalMs: 1000 });
    expect(config.source).toBe(file);
    expect(config.backends).toHaveLength(5);
    expect(config.health.intervalMs).toBe(1000);
    expect(config.health.timeoutMs).toBe(5000);
  });

  it('reports a missing file, a missing directory and a directory', () => {
    expect(messageOf(join(dir, 'nope.toml'))).toBe(`${join(dir, 'nope.toml')}: file not found`);
    writeFileSync(join(dir, 'plain'), '');
    expect(messageOf(join(dir, 'plain', 'nexus.toml'))).toBe(`${join(dir, 'plain', 'nexus.toml')}: file not found`);
    expect(messageOf(dir)).toBe(`${dir}: is a directory, not a config file`);
  });

  it('reports an empty file as having no backends', () => {
    writeFileSync(join(dir, 'empty.toml'), '');
    expect(messageOf(join(dir, 'empty.toml'))).toBe(`${join(dir, 'empty.toml')}: no backends configured (the file is empty)`);
  });

  it('reports binary garbage and invalid UTF-8 as not text', () => {
    writeFileSync(join(dir, 'bin'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x00, 0x00, 0x01]));
    expect(messageOf(join(dir, 'bin'))).toBe(`${join(dir, 'bin')}: is not a text file (it contains NUL bytes)`);
    writeFileSync(join(dir, 'latin1.toml'), Buffer.from('name = "caf\xe9"\n', 'latin1'));
    expect(messageOf(join(dir, 'latin1.toml'))).toBe(`${join(dir, 'latin1.toml')}: is not a text file (invalid UTF-8)`);
  });

  it('refuses a file too large to be a config', () => {
    writeFileSync(join(dir, 'big.toml'), Buffer.alloc(MAX_CONFIG_BYTES + 1, 0x20));
    expect(messageOf(join(dir, 'big.toml'))).toBe(`${join(dir, 'big.toml')}: is too large for a config file (over 4 MiB)`);
  });

  it('keeps a relative path as given in messages', () => {
    expect(messageOf('no/such/nexus.toml')).toBe('no/such/nexus.toml: file not found');
  });

  it('reads /dev/null as an empty file and refuses /dev/zero as too large, without reading it all', () => {
    expect(messageOf('/dev/null')).toBe('/dev/null: no backends configured (the file is empty)');
    expect(messageOf('/dev/zero')).toBe('/dev/zero: is too large for a config file (over 4 MiB)');
  });

  it.each([
    ['random bytes', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24)), 'is not a text file (it contains NUL bytes)'],
    ['high bytes without a NUL', Buffer.from(Array.from({ length: 4096 }, (_, i) => 0x80 + ((i * 40503) % 0x80))), 'is not a text file (invalid UTF-8)'],
    ['a gzip file', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]), 'is not a text file (it contains NUL bytes)'],
    ['a UTF-16 file', Buffer.from('\ufeff[[backends]]\nname = "a"\n', 'utf16le'), 'is not a text file (it contains NUL bytes)'],
  ])('refuses binary garbage (%s) in one line naming the file', (_name, bytes, reason) => {
    const file = join(dir, 'garbage.toml');
    writeFileSync(file, bytes);
    const message = messageOf(file);
    expect(message).toBe(`${file}: ${reason}`);
    expect(message).not.toMatch(/[\u0000-\u001f]/);
  });

  it('reports control characters as TOML errors with line and column, on one line', () => {
    writeFileSync(join(dir, 'ctl.toml'), '[[backends]]\nname = "a"\nurl = "http://a:1"\n\u0007\u001b[2J = 1\n');
    expect(messageOf(join(dir, 'ctl.toml'))).toMatch(new RegExp(`^${join(dir, 'ctl.toml')}:4:1: invalid TOML: [^\\n\\u001b]*$`));
  });

  it('loads a config with 10,000 backends, in well under a second', () => {
    const file = join(dir, 'fleet.toml');
    let text = '[health_check]\ninterval_seconds = 30\n\n[top]\nconcurrency = 10000\n\n';
    for (let i = 0; i < 10_000; i++) {
      text += `[[backends]]\nname = "gpu-${i}"\nurl = "http://10.${i >> 16}.${(i >> 8) & 255}.${i & 255}:11434"\ntype = "ollama"\npriority = ${i % 100}\n\n`;
    }
    writeFileSync(file, text);
    const t0 = performance.now();
    const config = loadConfig(file);
    const ms = performance.now() - t0;
    expect(config.backends).toHaveLength(10_000);
    expect(config.backends[9_999]).toEqual({ name: 'gpu-9999', url: 'http://10.0.39.15:11434', type: 'ollama', priority: 99, tlsVerify: true });
    expect(ms).toBeLessThan(1_000);
    // A mistake in the last one is still found, and placed.
    writeFileSync(file, `${text}[[backends]]\nname = "gpu-17"\nurl = "http://x:1"\n`);
    expect(messageOf(file)).toBe(`${file}:60008: backends[10000] (gpu-17).name: duplicate backend name "gpu-17", first used by backends[17] at line 110`);
  });

  it('reports a file it may not read (as root: checked as user nobody)', async (ctx) => {
    const file = join(dir, 'secret.toml');
    const readable = join(dir, 'readable.toml');
    writeFileSync(file, '[[backends]]\nname = "a"\nurl = "http://a:1"\n');
    writeFileSync(readable, '[[backends]]\nname = "a"\nurl = "http://a:1"\n');
    chmodSync(file, 0o000);
    chmodSync(readable, 0o644);
    chmodSync(dir, 0o755);
    if (!isRoot) {
      expect(messageOf(file)).toBe(`${file}: permission denied`);
      return;
    }
    // root reads any file whatever its mode: run the loader in a child process as nobody instead.
    const asNobody = nobody();
    if (typeof asNobody === 'string') return ctx.skip(`as root, a file's mode can only be checked as another user: ${asNobody}`);
    const load = await nobodyLoader(asNobody, dir);
    expect(load(readable)).toBe('loaded 1 backend');
    expect(load(file)).toBe(`ConfigError: ${file}: permission denied`);
  });
});

/**
 * The loader bundled (esbuild, as the build does) into `dir` (which nobody may enter: the checkout
 * may be in a private directory), and a function that runs it on a file as user nobody, answering
 * `loaded N backend` or `ConfigError: message`.
 */
async function nobodyLoader(asNobody: Nobody, dir: string): Promise<(file: string) => string> {
  const bundle = join(dir, 'load.mjs');
  await build({ entryPoints: [join(root, 'src/config/load.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'silent' });
  const runner = join(dir, 'run.mjs');
  writeFileSync(
    runner,
    `const { loadConfig } = await import(process.argv[2]);
try { const c = loadConfig(process.argv[3]); console.log('loaded ' + c.backends.length + ' backend'); }
catch (e) { console.log(e.name + ': ' + e.message); }
`,
  );
  chmodSync(bundle, 0o644);
  chmodSync(runner, 0o644);
  return (file) => {
    const run = asNobody.run([process.execPath, runner, bundle, file], { cwd: dir });
    if (run.status !== 0) throw new Error(`loader as nobody failed (${run.status}): ${run.stderr}`);
    return run.stdout.trim();
  };
}
