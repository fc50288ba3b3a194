// Builds dist/: cli.js (CommonJS, what every run loads) and lazy/ (ES modules some runs import), minified,
// source maps kept.
// Run by `npm run build`. Plain JS so it needs nothing but esbuild.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { patchInk } from './ink-patches.mjs';
import { slimMeow } from './meow-slim.mjs';

/**
 * Modules loaded only by some runs, kept out of dist/cli.js: Ink and React (the dashboard), undici (the
 * loop's pool, loaded with its first probe) and prom-client (--metrics). Built as ESM into dist/lazy/ and
 * imported by path at run time.
 */
const LAZY = {
  'run-dashboard': 'src/ui/run-dashboard.tsx',
  undici: 'src/probe/undici.ts',
  'metrics-server': 'src/metrics/server.ts',
};
const lazyByFile = new Map(Object.entries(LAZY).map(([name, file]) => [resolve(file), name]));

/** `import('./ui/run-dashboard.js')` in the sources becomes `import('./lazy/run-dashboard.mjs')`. */
const lazyImports = {
  name: 'lazy-imports',
  setup(b) {
    b.onResolve({ filter: /\.js$/ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const name = lazyByFile.get(resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'))) ?? lazyByFile.get(resolve(args.resolveDir, args.path.replace(/\.js$/, '.tsx')));
      return name ? { path: `./lazy/${name}.mjs`, external: true } : undefined;
    });
  },
};

/**
 * In dist/main.js, string-width and cli-truncate are loaded on their first call rather than with the module
 * that imports them: loading them (Intl.Segmenter, Unicode tables, regexes) takes longer than drawing the
 * dashboard's first frame, which for plain names never calls them (src/ui/width.ts). The sources import
 * them as usual; here each import from src/ becomes a function that requires the package when first
 * called (esbuild evaluates a bundled module required that way only then).
 */
const SRC = resolve('src');
const onFirstCall = {
  name: 'on-first-call',
  setup(b) {
    b.onResolve({ filter: /^(string-width|cli-truncate)$/ }, (args) =>
      args.namespace === 'file' && args.importer.startsWith(SRC) ? { path: args.path, namespace: 'on-first-call' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'on-first-call' }, (args) => ({
      contents: `let m;\nexport default function ${args.path.replace(/-(\w)/g, (_, c) => c.toUpperCase())}(...a) {\n  m ??= require(${JSON.stringify(args.path)});\n  return m.default(...a);\n}\n`,
      resolveDir: resolve('.'),
      loader: 'js',
    }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
  // Ink imports react-devtools-core only when DEV=true; it is not a dependency.
  alias: { 'react-devtools-core': './src/ui/devtools-stub.ts' },
};

// A clean dist/: a rebuild leaves no chunk of an older build behind.
rmSync('dist', { recursive: true, force: true });

/*
 * dist/main.js is CommonJS (dist/package.json says so): everything a run needs before it draws or prints,
 * in one file. Node starts a CommonJS entry ~10–18 ms sooner than an ES module one (no ESM loader), a
 * fifth of what `--once` takes; the loader starts only if a lazy module is imported. dist/cli.js (from
 * src/cli-loader.cjs) runs it, compiled with a code cache made below.
 */
await build({
  ...common,
  entryPoints: { main: 'src/cli.tsx' },
  format: 'cjs',
  outdir: 'dist',
  // import.meta.url (src/demo/fixtures.ts) as CommonJS spells it.
  define: { ...common.define, 'import.meta.url': '__nexusTopUrl' },
  // "use strict" first: a directive only counts before any statement (the sources are ES modules: strict).
  banner: { js: "'use strict';const __nexusTopUrl=require('node:url').pathToFileURL(__filename).href;" },
  // meow without the parts of its bundle we never reach (src/meow-slim.mjs).
  plugins: [lazyImports, onFirstCall, slimMeow],
});
/*
 * dist/cli.js compiles dist/main.js with vm.Script, where `import()` is not available: the imports of
 * dist/lazy/ go through the loader's `_ntImp` (same length, so the source map still fits). The shebang
 * line becomes a comment: the loader puts its function wrapper before it.
 */
const main = readFileSync('dist/main.js', 'utf8').replace(/^#!.*/, (line) => `//${' '.repeat(line.length - 2)}`);
const lazyCalls = main.split('import("./lazy/').length - 1;
const withLoaderImports = main.replaceAll('import("./lazy/', '_ntImp("./lazy/');
if (lazyCalls === 0 || /\bimport\(/.test(withLoaderImports)) throw new Error('dist/main.js: expected import() only of ./lazy/ modules');
writeFileSync('dist/main.js', withLoaderImports);
copyFileSync('src/cli-loader.cjs', 'dist/cli.js');
chmodSync('dist/cli.js', 0o755);
writeFileSync('dist/package.json', `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);

await build({
  ...common,
  entryPoints: LAZY,
  format: 'esm',
  outdir: 'dist/lazy',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  // Bundled CommonJS dependencies call require() for Node built-ins.
  banner: { js: "import{createRequire as __nexusTopRequire}from'node:module';const require=__nexusTopRequire(import.meta.url);" },
  plugins: [patchInk],
});

/*
 * The code cache (read by dist/cli.js): one `--once --json` run, on a config of one backend on a closed
 * loopback port, compiles what a start needs (the modules' top levels, the argument parser, loading and
 * checking a config, a probe, the JSON output), and the loader writes what V8 compiled to
 * dist/main.js.cache. V8 accepts it only in the Node (and with the V8 flags) that made it, which is why
 * the build makes it; without it, or under another Node, every run works the same, compiling from source.
 */
const scratch = mkdtempSync(join(tmpdir(), 'nexus-top-build-'));
try {
  const config = join(scratch, 'nexus.toml');
  writeFileSync(config, '[[backends]]\nname = "closed-port"\nurl = "http://127.0.0.1:1"\n');
  const env = { ...process.env, HOME: scratch, XDG_STATE_HOME: join(scratch, 'state'), XDG_CONFIG_HOME: join(scratch, 'config'), NEXUS_TOP_CODE_CACHE: 'write' };
  delete env.NEXUS_TOP_CONFIG;
  const made = spawnSync(process.execPath, ['dist/cli.js', '--config', config, '--once', '--json', '--timeout', '2s'], { env, stdio: 'ignore', timeout: 20_000 });
  if (!existsSync('dist/main.js.cache')) throw new Error(`dist/main.js.cache was not written (exit ${made.status ?? made.signal ?? made.error})`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
