/**
 * The shape of the code (ARCHITECTURE.md, issue 15 part 0): the pure core (core/, backends/, health/,
 * config/, store/, gpu/ parsers) imports nothing of the I/O shell (probe/, monitor/) or of the views (ui/),
 * and no two modules import each other, directly or round a longer circle. Read from the sources, so a
 * new import that breaks the shape fails here, naming the file and the import.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-cli.js';

const SRC = join(ROOT, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/** Every relative import (type-only too: a type import is still a dependency of the design) as a path under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const spec = m[1]!;
    const target = normalize(join(dirname(file), spec)).replace(/\.js$/, '');
    out.push(relative(SRC, target));
  }
  return out;
}

const files = sources(SRC).map((f) => ({ file: relative(SRC, f).replace(/\.tsx?$/, ''), imports: importsOf(f) }));

describe('layers', () => {
  it('finds the sources it checks', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.some((f) => f.file === 'store/store')).toBe(true);
  });

  it('keeps the pure core free of probe/, monitor/ and ui/ imports', () => {
    const core = /^(core|backends|health|config|store)\//;
    const shell = /^(probe|monitor|ui)\//;
    const offending = files.flatMap((f) => (core.test(f.file) ? f.imports.filter((i) => shell.test(i)).map((i) => `${f.file} imports ${i}`) : []));
    expect(offending).toEqual([]);
  });

  it('has no import cycle', () => {
    const graph = new Map(files.map((f) => [f.file, f.imports.filter((i) => files.some((g) => g.file === i))]));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (node: string): void => {
      state.set(node, 'open');
      stack.push(node);
      for (const next of graph.get(node) ?? []) {
        if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' -> '));
        else if (!state.has(next)) visit(next);
      }
      stack.pop();
      state.set(node, 'done');
    };
    for (const f of graph.keys()) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });
});
