import { describe, expect, it } from 'vitest';
import { diffFleets, isEmptyChange } from './diff.js';
import { DEFAULT_HEALTH, DEFAULT_TOP, type BackendConfig, type Config } from './types.js';

const backend = (name: string, over: Partial<BackendConfig> = {}): BackendConfig => ({ name, url: `http://${name}:8000`, type: 'vllm', priority: 50, tlsVerify: true, ...over });
const config = (backends: BackendConfig[], over: Partial<Config> = {}): Config => ({ source: 'x.toml', health: { ...DEFAULT_HEALTH }, top: { ...DEFAULT_TOP }, backends, ...over });

describe('diffFleets', () => {
  it('nothing changed: empty', () => {
    const c = config([backend('a'), backend('b')]);
    expect(isEmptyChange(diffFleets(c, config([backend('a'), backend('b')])))).toBe(true);
  });
  it('tells added, removed, replaced (endpoint changed) and relabelled (history kept) apart', () => {
    const before = config([backend('a'), backend('b'), backend('c'), backend('d')]);
    const after = config([
      backend('a'),
      backend('b', { url: 'http://b:9000' }),
      backend('c', { priority: 10, zone: 'eu' }),
      backend('e'),
    ]);
    const change = diffFleets(before, after);
    expect(change.added.map((b) => b.name)).toEqual(['e']);
    expect(change.removed).toEqual(['d']);
    expect(change.replaced.map((b) => b.name)).toEqual(['b']);
    expect(change.relabelled.map((b) => b.name)).toEqual(['c']);
    expect(change.settings).toBe(false);
  });
  it('a new type, key or TLS setting is a new backend', () => {
    for (const over of [{ type: 'ollama' as const }, { apiKeyEnv: 'KEY' }, { tlsVerify: false }]) {
      expect(diffFleets(config([backend('a')]), config([backend('a', over)])).replaced.map((b) => b.name)).toEqual(['a']);
    }
  });
  it('a changed [health_check] or [top] setting is a settings change', () => {
    const before = config([backend('a')]);
    expect(diffFleets(before, config([backend('a')], { health: { ...DEFAULT_HEALTH, intervalMs: 5_000 } })).settings).toBe(true);
    expect(diffFleets(before, config([backend('a')], { top: { ...DEFAULT_TOP, concurrency: 8 } })).settings).toBe(true);
  });
});
