import { build } from 'esbuild';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import { isRoot, nobody } from '../../test/helpers/as-nobody.js';
import { scenarios, type Outcome, type Scenario } from '../../test/helpers/drain-state-permissions.js';
import { createDrainState, fleetKeyOf, stateDirFrom } from './drain-state.js';

const T1 = Date.parse('2026-11-24T10:00:00.000Z');
const T2 = Date.parse('2026-11-24T11:00:00.000Z');

/**
 * A permission scenario (test/helpers/drain-state-permissions.ts) where permissions hold: in this
 * process, or, as root (which may read and write anything), bundled and run as user nobody.
 */
async function withoutPrivilege<S extends Scenario>(ctx: TestContext, scenario: S): Promise<Outcome<S>> {
  if (!isRoot) {
    const scratch = mkdtempSync(join(tmpdir(), 'nexus-top-state-'));
    try {
      return scenarios[scenario](scratch) as Outcome<S>;
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  const asNobody = nobody();
  if (typeof asNobody === 'string') return ctx.skip(`as root, file modes can only be checked as another user: ${asNobody}`);
  // A copy nobody can read (the checkout may be in a private directory); nobody's own scratch directory.
  const shared = asNobody.shared('state-nobody');
  try {
    const bundle = join(shared, 'scenarios.mjs');
    await build({ entryPoints: [fileURLToPath(new URL('../../test/helpers/drain-state-permissions.ts', import.meta.url))], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'silent' });
    chmodSync(bundle, 0o644);
    const runner = `const { scenarios } = await import(${JSON.stringify(bundle)});
const { chmodSync, mkdtempSync, rmSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const { join } = await import('node:path');
const root = mkdtempSync(join(tmpdir(), 'nexus-top-state-nobody-'));
try {
  process.stdout.write(JSON.stringify(scenarios[${JSON.stringify(scenario)}](root)));
} finally {
  try { chmodSync(join(root, 'state', 'nexus-top'), 0o700); } catch {}
  rmSync(root, { recursive: true, force: true });
}`;
    const run = asNobody.run([process.execPath, '--input-type=module', '-e', runner]);
    if (run.status !== 0) throw new Error(`scenario ${scenario} as nobody failed (${run.status ?? run.signal}): ${run.stderr}`);
    return JSON.parse(run.stdout) as Outcome<S>;
  } finally {
    rmSync(shared, { recursive: true, force: true });
  }
}

let root: string;
let dir: string;
let file: string;
let warnings: string[];
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'nexus-top-state-'));
  dir = join(root, 'state', 'nexus-top');
  file = join(dir, 'state.json');
  warnings = [];
});
afterEach(() => {
  chmodSync(root, 0o700);
  try {
    chmodSync(dir, 0o700);
  } catch {
    // not created by this test
  }
  rmSync(root, { recursive: true, force: true });
});

const open = (fleetKey = '/etc/nexus/nexus.toml') => createDrainState({ stateDir: dir, fleetKey, onWarning: (m) => warnings.push(m) });
const onDisk = (): unknown => JSON.parse(readFileSync(file, 'utf8'));

describe('stateDirFrom', () => {
  it('uses an absolute $XDG_STATE_HOME', () => {
    expect(stateDirFrom({ XDG_STATE_HOME: '/var/state' }, '/home/u')).toBe('/var/state/nexus-top');
  });
  it('defaults to ~/.local/state', () => {
    expect(stateDirFrom({}, '/home/u')).toBe('/home/u/.local/state/nexus-top');
  });
  it('ignores a relative or empty $XDG_STATE_HOME (XDG spec)', () => {
    expect(stateDirFrom({ XDG_STATE_HOME: 'rel/state' }, '/home/u')).toBe('/home/u/.local/state/nexus-top');
    expect(stateDirFrom({ XDG_STATE_HOME: '' }, '/home/u')).toBe('/home/u/.local/state/nexus-top');
  });
});

describe('fleetKeyOf', () => {
  it('is `demo` for the demo fleet and the absolute config path otherwise', () => {
    expect(fleetKeyOf({ source: 'demo' }, '/work')).toBe('demo');
    expect(fleetKeyOf({ source: 'conf/nexus.toml' }, '/work')).toBe('/work/conf/nexus.toml');
    expect(fleetKeyOf({ source: './nexus.toml' }, '/work')).toBe('/work/nexus.toml');
    expect(fleetKeyOf({ source: '/etc/nexus/nexus.toml' }, '/work')).toBe('/etc/nexus/nexus.toml');
  });
});

describe('createDrainState', () => {
  it('a missing file (and directory) is normal: nothing drained, no warning', () => {
    expect(open().drainedNames()).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('creates the directory, writes atomically and leaves no temp file behind', () => {
    const s = open();
    s.setDrained('gpu-2', true, T1);
    expect(readdirSync(dir)).toEqual(['state.json']);
    expect(onDisk()).toEqual({ version: 1, fleets: { '/etc/nexus/nexus.toml': { drained: { 'gpu-2': '2026-11-24T10:00:00.000Z' } } } });
    expect(warnings).toEqual([]);
    // Remembered by the next run.
    const again = open();
    expect(again.drainedNames()).toEqual(['gpu-2']);
    expect(again.drainedAt('gpu-2')).toBe(T1);
    again.setDrained('gpu-2', false, T2);
    expect(open().drainedNames()).toEqual([]);
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('keeps the time of the first drain', () => {
    const s = open();
    s.setDrained('a', true, T1);
    s.setDrained('a', true, T2);
    expect(open().drainedAt('a')).toBe(T1);
  });

  it("preserves other fleets' entries, including ones written by another instance meanwhile", () => {
    const a = open('/a.toml');
    const b = open('/b.toml');
    a.setDrained('x', true, T1);
    b.setDrained('y', true, T2);
    a.setDrained('z', true, T2);
    expect(onDisk()).toEqual({
      version: 1,
      fleets: {
        '/a.toml': { drained: { x: '2026-11-24T10:00:00.000Z', z: '2026-11-24T11:00:00.000Z' } },
        '/b.toml': { drained: { y: '2026-11-24T11:00:00.000Z' } },
      },
    });
    expect(open('/b.toml').drainedNames()).toEqual(['y']);
    expect(open('/c.toml').drainedNames()).toEqual([]);
  });

  it('a corrupt file is reported once, read as empty, and replaced on the next write', () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, '{"version":1,"fleets":{"/etc/nexus/nexus.toml":{"drained":{"gpu-2":');
    const s = open();
    expect(s.drainedNames()).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(file);
    expect(warnings[0]).toMatch(/corrupt.*not valid JSON.*replaced/);
    s.setDrained('gpu-1', true, T1);
    s.setDrained('gpu-3', true, T1);
    expect(warnings).toHaveLength(1);
    expect(onDisk()).toEqual({
      version: 1,
      fleets: { '/etc/nexus/nexus.toml': { drained: { 'gpu-1': '2026-11-24T10:00:00.000Z', 'gpu-3': '2026-11-24T10:00:00.000Z' } } },
    });
  });

  it('a file of the wrong shape is corrupt too', () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, '{"version":1,"fleets":{"/etc/nexus/nexus.toml":{"drained":["gpu-2"]}}}');
    expect(open().drainedNames()).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/unexpected content at fleets\./);
  });

  it('an unreadable file is reported once and replaced (as root: run as user nobody)', async (ctx) => {
    const { warningsAtOpen, warnings, onDisk } = await withoutPrivilege(ctx, 'unreadableFile');
    expect(warningsAtOpen).toHaveLength(1);
    expect(warningsAtOpen[0]).toMatch(/cannot read drain state .*EACCES/);
    expect(warnings).toEqual(warningsAtOpen);
    expect(onDisk).toEqual({ version: 1, fleets: { '/etc/nexus/nexus.toml': { drained: { a: '2026-11-24T10:00:00.000Z' } } } });
  });

  it('a directory in place of the file: one read warning, one write warning, no temp file left, drain held in memory', () => {
    mkdirSync(join(file, 'inside'), { recursive: true });
    const s = open();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/cannot read drain state .*EISDIR/);
    s.setDrained('a', true, T1);
    s.setDrained('b', true, T1);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(/cannot save drain state to .*state\.json: .*holds until nexus-top exits/);
    expect(readdirSync(dir)).toEqual(['state.json']);
    expect(s.drainedNames()).toEqual(['a', 'b']);
  });

  it('a directory that cannot be created: one warning, no crash, the drain holds in memory', () => {
    writeFileSync(join(root, 'state'), 'a file where the directory should be');
    const s = open();
    expect(warnings).toHaveLength(1); // reading through a file: ENOTDIR
    s.setDrained('a', true, T1);
    s.setDrained('a', false, T2);
    s.setDrained('b', true, T2);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(/cannot save drain state/);
    expect(s.drainedNames()).toEqual(['b']);
  });

  it('a read-only directory: one warning, no crash, no temp file, the drain holds in memory (as root: run as user nobody)', async (ctx) => {
    const { warningsAtOpen, warnings, inDirectory, drained } = await withoutPrivilege(ctx, 'readOnlyDirectory');
    expect(warningsAtOpen).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/cannot save drain state .*EACCES/);
    expect(inDirectory).toEqual([]);
    expect(drained).toEqual(['a', 'b']);
  });

  it('a failed write is said again only after a success in between', () => {
    mkdirSync(join(file, 'inside'), { recursive: true });
    const s = open();
    s.setDrained('a', true, T1);
    expect(warnings.filter((w) => w.includes('cannot save'))).toHaveLength(1);
    rmSync(file, { recursive: true });
    s.setDrained('b', true, T1);
    expect(onDisk()).toEqual({
      version: 1,
      fleets: { '/etc/nexus/nexus.toml': { drained: { b: '2026-11-24T10:00:00.000Z' } } },
    });
    rmSync(file);
    mkdirSync(join(file, 'inside'), { recursive: true });
    s.setDrained('c', true, T1);
    expect(warnings.filter((w) => w.includes('cannot save'))).toHaveLength(2);
  });

  it('a file from a newer nexus-top is reported once and never overwritten', () => {
    mkdirSync(dir, { recursive: true });
    const newer = '{"version":2,"whatever":{}}\n';
    writeFileSync(file, newer);
    const s = open();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/version 2 is newer/);
    s.setDrained('a', true, T1);
    expect(readFileSync(file, 'utf8')).toBe(newer);
    expect(warnings).toHaveLength(1);
    expect(s.drainedNames()).toEqual(['a']);
  });

  it('a throwing warning sink does not break draining', () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, 'garbage');
    const s = createDrainState({
      stateDir: dir,
      fleetKey: 'demo',
      onWarning: () => {
        throw new Error('sink broken');
      },
    });
    expect(() => s.setDrained('a', true, T1)).not.toThrow();
    expect(open('demo').drainedNames()).toEqual(['a']);
  });
});
