import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { HttpAnswer } from '../../src/backends/types.js';
import { wireDir } from '../../src/demo/fixtures.js';
import { parseWireFile, type WireAnswer } from '../../src/demo/wire-file.js';

/** Every `.http` file under fixtures/wire, as `dir/name.http` paths, sorted. */
export function wireFiles(): string[] {
  const root = wireDir();
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.http')) out.push(relative(root, path).split(sep).join('/'));
    }
  };
  walk(root);
  return out.sort();
}

/** A wire file split into status, headers and exact body bytes. */
export function loadWire(relativePath: string): WireAnswer {
  return parseWireFile(readFileSync(join(wireDir(), relativePath)));
}

/** A wire file as the probe's HTTP layer hands it to parsers: lower-case headers, body decoded as WHATWG UTF-8. */
export function wireHttpAnswer(relativePath: string): HttpAnswer {
  const wire = loadWire(relativePath);
  const headers: Record<string, string> = {};
  for (const [name, value] of wire.headers) headers[name.toLowerCase()] = value;
  return { status: wire.status, headers, body: new TextDecoder('utf-8').decode(wire.body) };
}
