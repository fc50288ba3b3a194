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

if (mode === 'write') {
  // Everything compiled by the time the process exits. No V8 flag may change before this (V8 rejects a
  // cache made under other flags), so the heap setting below is left out of this run.
  process.once('exit', () => writeFileSync(cacheFile, script.createCachedData()));
} else {
  /*
   * Keep the heap near what is live. V8 sizes the heap's next limit from how fast the program allocated
   * at its last full GC; the first comes during the start-up burst (every backend's first connection),
   * and it then let a 1000-backend loop grow by ~2 MB/s for minutes without another (RSS 130 -> 200 MiB
   * in 40 s, ~35 MiB of it live). At most 1.5x of the live heap instead: a full GC every ~10 s (~10 ms),
   * RSS flat near 145 MiB. The flag is read when a GC sets the next limit, so setting it now, before
   * the first, is what the command-line flag would do (v8.setFlagsFromString's caveat is for flags read
   * once). Set after the bundle is compiled: the cache was made without it.
   */
  process.getBuiltinModule('node:v8').setFlagsFromString('--heap-growing-percent=50');
}

script.runInThisContext().call(module.exports, module.exports, require, module, file, __dirname, (specifier) => import(specifier));
