import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseWireFile, type WireAnswer } from './wire-file.js';

let root: string | undefined;

/** The package's fixtures/wire folder, found from this module whether it runs from src/ or the dist/ bundle. */
export function wireDir(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'fixtures', 'wire');
    if (existsSync(candidate)) return (root = candidate);
    const up = dirname(dir);
    if (up === dir) throw new Error('fixtures/wire not found next to nexus-top');
    dir = up;
  }
}

/** A captured answer, e.g. `ollama/api_tags.http`. */
export function wireAnswer(relativePath: string): WireAnswer {
  return parseWireFile(readFileSync(join(wireDir(), relativePath)));
}
