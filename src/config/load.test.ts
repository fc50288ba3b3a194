import { chmodSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

  // root reads files whatever their mode, so this can only be checked as another user.
  it.skipIf(process.getuid?.() === 0)('reports a file it may not read', () => {
    const file = join(dir, 'secret.toml');
    writeFileSync(file, '');
    chmodSync(file, 0o000);
    expect(messageOf(file)).toBe(`${file}: permission denied`);
  });
});
