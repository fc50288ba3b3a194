// Builds dist/: cli.js (CommonJS, what every run loads) and lazy/ (ES modules some runs import), minified,
// source maps kept.
// Run by `npm run build`. Plain JS so it needs nothing but esbuild.
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { patchInk } from './ink-patches.mjs';

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
 * In dist/cli.js, string-width and cli-truncate are loaded on their first call rather than with the module
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
 * dist/cli.js is CommonJS (dist/package.json says so): everything a run needs before it draws or prints,
 * in one file. Node starts a CommonJS entry ~10–18 ms sooner than an ES module one (no ESM loader), a
 * fifth of what `--once` takes; the loader starts only if a lazy module is imported.
 */
await build({
  ...common,
  entryPoints: { cli: 'src/cli.tsx' },
  format: 'cjs',
  outdir: 'dist',
  // import.meta.url (src/demo/fixtures.ts) as CommonJS spells it.
  define: { ...common.define, 'import.meta.url': '__nexusTopUrl' },
  // "use strict" first: a directive only counts before any statement (the sources are ES modules: strict).
  banner: { js: "'use strict';const __nexusTopUrl=require('node:url').pathToFileURL(__filename).href;" },
  plugins: [lazyImports, onFirstCall],
});
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
