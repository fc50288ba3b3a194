import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { implicitConfigPaths, locateConfig } from './locate.js';

describe('locateConfig', () => {
  let base: string;
  let cwd: string;
  let home: string;
  let xdg: string;
  const touch = (path: string): string => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, '');
    return path;
  };

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'nexus-top-locate-'));
    cwd = join(base, 'project');
    home = join(base, 'home');
    xdg = join(base, 'xdg');
    mkdirSync(cwd);
    mkdirSync(home);
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  const locate = (flag?: string, env: Record<string, string | undefined> = {}) =>
    locateConfig({ flag, env, cwd, home, exists: existsSync });

  it('walks flag > $NEXUS_TOP_CONFIG > ./nexus.toml > $XDG_CONFIG_HOME > ~/.config > null', () => {
    const env = { NEXUS_TOP_CONFIG: join(base, 'env.toml'), XDG_CONFIG_HOME: xdg };
    const local = touch(join(cwd, 'nexus.toml'));
    const inXdg = touch(join(xdg, 'nexus', 'nexus.toml'));
    const inHome = touch(join(home, '.config', 'nexus', 'nexus.toml'));

    expect(locate('given.toml', env)).toEqual({ path: 'given.toml', explicit: true });
    expect(locate(undefined, env)).toEqual({ path: env.NEXUS_TOP_CONFIG, explicit: true });
    expect(locate(undefined, { XDG_CONFIG_HOME: xdg })).toEqual({ path: local, explicit: false });
    rmSync(local);
    expect(locate(undefined, { XDG_CONFIG_HOME: xdg })).toEqual({ path: inXdg, explicit: false });
    expect(locate(undefined, {})).toEqual({ path: inHome, explicit: false });
    rmSync(inHome);
    expect(locate(undefined, {})).toBeNull();
  });

  it('returns explicit paths even when missing, so loading reports "file not found"', () => {
    expect(locate(join(base, 'nope.toml'))).toEqual({ path: join(base, 'nope.toml'), explicit: true });
    expect(locate(undefined, { NEXUS_TOP_CONFIG: 'nope.toml' })).toEqual({ path: 'nope.toml', explicit: true });
  });

  it('treats an empty $NEXUS_TOP_CONFIG as unset', () => {
    expect(locate(undefined, { NEXUS_TOP_CONFIG: '' })).toBeNull();
  });

  it('uses only $XDG_CONFIG_HOME when set (~/.config is its default), and ignores a relative one', () => {
    touch(join(home, '.config', 'nexus', 'nexus.toml'));
    expect(locate(undefined, { XDG_CONFIG_HOME: xdg })).toBeNull();
    expect(locate(undefined, { XDG_CONFIG_HOME: 'relative/dir' })?.path).toBe(join(home, '.config', 'nexus', 'nexus.toml'));
  });

  it('lists the places it searched', () => {
    expect(implicitConfigPaths({ env: {}, cwd: '/p', home: '/h' })).toEqual(['/p/nexus.toml', '/h/.config/nexus/nexus.toml']);
    expect(implicitConfigPaths({ env: { XDG_CONFIG_HOME: '/x' }, cwd: '/p', home: '/h' })).toEqual([
      '/p/nexus.toml',
      '/x/nexus/nexus.toml',
    ]);
  });
});
