#!/usr/bin/env node
'use strict';
/*
 * nexus-top's entry, dist/cli.js (src/bundle.mjs copies it there). It runs the bundle, dist/main.js, as
 * Node runs a CommonJS module, but compiled with V8's code cache: dist/main.js.cache, written by the
 * build from a run of `--version`, holds the bytecode of every function that run compiled (the modules'
 * top levels, meow and its parser). Compiling the 200 KB bundle from source is the largest single cost
 * of a start (~7 ms), and the functions first called at start another few; with the cache V8 reads
 * them back instead. A cache V8 does not accept (another Node or V8 version, other V8 flags) is
 * ignored and the bundle is compiled from source, as without one.
 *
 * `import()` only works in code Node compiled itself, so the bundle's imports of dist/lazy/ are
 * spelled `_ntImp(…)` (the build renames them) and come here.
 */
const { readFileSync, writeFileSync } = require('node:fs');
const { Script } = require('node:vm');

const file = require.resolve('./main.js');
const cacheFile = `${file}.cache`;
/** `write`: the build making the cache; `report`: say on stderr whether the cache was used (a test). */
const mode = process.env.NEXUS_TOP_CODE_CACHE;

let cachedData;
if (mode !== 'write') {
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // No cache (removed, or a build that could not write one): compiled from source.
  }
}
// The parameters of Node's own CommonJS wrapper, and the import() for dist/lazy/. Prefixed to the bundle's
// first line (a comment), so that line and column numbers in stack traces and source maps are unchanged.
const script = new Script(`(function (exports, require, module, __filename, __dirname, _ntImp) {${readFileSync(file, 'utf8')}\n})`, {
  filename: file,
  cachedData,
});
if (mode === 'report') process.stderr.write(`code cache: ${cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used'}\n`);

// Everything compiled by the time the process exits. No V8 flag may change before this (V8 rejects a cache
// made under other flags): the heap flag of src/cli.tsx is set only by the modes that keep running.
if (mode === 'write') process.once('exit', () => writeFileSync(cacheFile, script.createCachedData()));

script.runInThisContext().call(module.exports, module.exports, require, module, file, __dirname, (specifier) => import(specifier));
