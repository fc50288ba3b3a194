/**
 * The patches src/bundle.mjs applies to Ink (src/ink-patches.mjs): each still finds its line, and Ink's
 * screen buffer with its caches kept across frames (and its escapes written compactly) puts on the screen
 * exactly what Ink's own does, frame after frame, in no more bytes.
 */
import { build, type Plugin } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface OutputLike {
  write(x: number, y: number, text: string, options: { transformers: Array<(line: string, index: number) => string> }): void;
  clip(clip: { x1?: number; x2?: number; y1?: number; y2?: number }): void;
  unclip(): void;
  get(): { output: string; height: number };
}
type OutputClass = new (options: { width: number; height: number }) => OutputLike;
interface InkParts {
  Output: OutputClass;
  measureText(text: string): { width: number; height: number };
}

const root = join(import.meta.dirname, '..', '..');
const ink = join(root, 'node_modules', 'ink', 'build');
let dir: string;
let patchInk: Plugin;

/** Ink's Output and measureText, bundled as the build does (with the patches) or as Ink ships them. */
async function inkParts(patched: boolean, name: string): Promise<InkParts> {
  const result = await build({
    stdin: {
      // By path: Ink's package exports do not list its build files.
      contents: `export { default as Output } from ${JSON.stringify(join(ink, 'output.js'))}; export { default as measureText } from ${JSON.stringify(join(ink, 'measure-text.js'))};`,
      resolveDir: root,
      loader: 'js',
    },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    logLevel: 'silent',
    plugins: patched ? [patchInk] : [],
  });
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, result.outputFiles[0]!.text);
  return (await import(pathToFileURL(file).href)) as InkParts;
}

let patched: InkParts;
let original: InkParts;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nexus-top-ink-'));
  // Plain JS shared with the build script: imported by URL, so the type checker does not look for its types.
  ({ patchInk } = (await import(pathToFileURL(join(root, 'src', 'ink-patches.mjs')).href)) as { patchInk: Plugin });
  [patched, original] = await Promise.all([inkParts(true, 'patched'), inkParts(false, 'original')]);
}, 30_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const green = (s: string): string => `\u001b[32m${s}\u001b[39m`;
const red = (s: string): string => `\u001b[31m${s}\u001b[39m`;
const dim = (s: string): string => `\u001b[2m${s}\u001b[22m`;
const bold = (s: string): string => `\u001b[1m${s}\u001b[22m`;
const inverse = (s: string): string => `\u001b[7m${s}\u001b[27m`;

type Op = ['write', number, number, string] | ['clip', { x1?: number; x2?: number; y1?: number; y2?: number }] | ['unclip'];

function draw(Output: OutputClass, width: number, height: number, ops: readonly Op[]): string {
  const output = new Output({ width, height });
  for (const op of ops) {
    if (op[0] === 'write') output.write(op[1], op[2], op[3], { transformers: [] });
    else if (op[0] === 'clip') output.clip(op[1]);
    else output.unclip();
  }
  return output.get().output;
}

/** Frames of a small dashboard: rows that stay, rows that change, a row drawn from two writes, wide characters, a clip. */
function frames(): Array<{ width: number; height: number; ops: Op[] }> {
  const out: Array<{ width: number; height: number; ops: Op[] }> = [];
  const bars = ['▁', '✖', '▂', '◌'];
  for (let f = 0; f < 30; f++) {
    const width = f < 20 ? 60 : 48;
    const history = Array.from({ length: 8 }, (_, i) => (i + f) % 3 === 0 ? red(bars[1]!) : green(bars[(i + f) % 4 === 1 ? 0 : 2]!)).join('');
    const ops: Op[] = [
      ['write', 0, 0, `${bold('nexus-top 0.1.0')}${dim('  ·  ')}demo`],
      ['write', 0, 1, `8 backends   ${green(`● ${f % 5} healthy`)}   ${red(`✖ ${8 - (f % 5)} unhealthy`)}`],
      ['clip', { y1: 2, y2: 7 }],
      ['write', 0, 2, dim('   NAME    STATUS       HISTORY')],
      ['write', 0, 3, inverse(`›  alpha   ${green('● healthy')}   ${history}`)],
      ['write', 0, 4, `   bravo   ${red('✖ unhealthy')} ${bold(red('FLAPPING'))}  ${f % 2 ? 'ｗｉｄｅ' : '日本語'}`],
      // The same line drawn from another column: a different row.
      ['write', f % 8 < 4 ? 0 : 3, 5, `   charlie ${f % 4 < 2 ? 'same line' : 'other line'}`],
      // Two writes on one row (a row Box with two columns, as the help has).
      ['write', 0, 6, '   left column'],
      ['write', 30, 6, f % 3 ? green('right') : 'right'],
      // Beyond the clip: not drawn.
      ['write', 0, 7, 'clipped away'],
      ['unclip'],
      ['write', 2, 8, f % 6 < 3 ? `${dim('indented')} 🦙 emoji` : 'indented plain'],
      // Now and then a second write over part of a row drawn from one line in the frames before.
      ...(f % 5 === 0 ? ([['write', 6, 8, red('over')]] as Op[]) : []),
    ];
    out.push({ width, height: 9, ops });
  }
  // A horizontal clip (Ink slices the lines), then the same frames again from warm caches.
  out.push({ width: 40, height: 3, ops: [['clip', { x1: 2, x2: 20 }], ['write', 0, 0, green('a long line cut on both sides by the clip')], ['write', 5, 1, `x ${red('✖✖')} y`], ['unclip']] });
  return [...out, ...out.slice(0, 12)];
}

/**
 * What a terminal shows for a line, starting unstyled: each character with the SGR attributes in force
 * (ECMA-48: parameters apply in order, an empty list or 0 resets all, 22 ends bold and dim).
 */
function cells(line: string): string[] {
  const out: string[] = [];
  const attrs = new Map<string, string>();
  for (const [, params, text] of line.matchAll(/\u001b\[([\d;]*)m|([^\u001b]+)/gu)) {
    if (text !== undefined) {
      const state = [...attrs].sort().join(',');
      for (const ch of text) out.push(`${ch}|${state}`);
      continue;
    }
    for (const p of (params ?? '').split(';').map((x) => Number(x || '0'))) {
      if (p === 0) attrs.clear();
      else if (p === 1) attrs.set('bold', '1');
      else if (p === 2) attrs.set('dim', '1');
      else if (p === 22) (attrs.delete('bold'), attrs.delete('dim'));
      else if (p === 7) attrs.set('inverse', '1');
      else if (p === 27) attrs.delete('inverse');
      else if ((p >= 30 && p <= 37) || (p >= 90 && p <= 97)) attrs.set('fg', String(p));
      else if (p === 39) attrs.delete('fg');
      else throw new Error(`SGR ${p} not modelled`);
    }
  }
  // What is left in force at the end of a line would leak into the next one.
  if (attrs.size > 0) out.push(`<open ${[...attrs].sort().join(',')}>`);
  return out;
}

describe('Ink patches (src/ink-patches.mjs)', () => {
  it('the screen buffer with caches kept across frames draws what Ink draws, in no more bytes', () => {
    let before = 0;
    let after = 0;
    for (const [i, frame] of frames().entries()) {
      const expected = draw(original.Output, frame.width, frame.height, frame.ops);
      const actual = draw(patched.Output, frame.width, frame.height, frame.ops);
      expect(actual.split('\n').map(cells), `frame ${i}`).toEqual(expected.split('\n').map(cells));
      before += expected.length;
      after += actual.length;
    }
    expect(after).toBeLessThan(before);
  });

  it('writes the escapes of a line compactly', () => {
    const line = `   ${red('✖ down')} ${bold('\u001b[35mFLAPPING\u001b[39m')}   ${dim('2.0ms*')}`;
    const out = draw(patched.Output, 60, 1, [['write', 0, 0, line]]);
    expect(out).toBe('   \u001b[31m✖ down\u001b[m \u001b[1;35mFLAPPING\u001b[m   \u001b[2m2.0ms*\u001b[m');
    expect(cells(out)).toEqual(cells(draw(original.Output, 60, 1, [['write', 0, 0, line]])));
  });

  it('text measurement gives the same sizes, and forgets old texts instead of keeping every one', () => {
    for (let i = 0; i < 3_000; i++) {
      const text = `${green(`row ${i}`)} ${i % 7 === 0 ? '日本' : ''}\nsecond line ${'x'.repeat(i % 13)}`;
      expect(patched.measureText(text)).toEqual(original.measureText(text));
    }
  });
});
