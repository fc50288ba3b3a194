// Builds dist/cli.js: one minified ESM bundle (Ink loaded lazily in its own chunk), source maps kept.
// Run by `npm run build`. Plain JS so it needs nothing but esbuild.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';

/**
 * Patches to Ink 6.8's incremental renderer (node_modules/ink/build/log-update.js), applied at bundle
 * time; the build fails if a patched line is no longer there, so an Ink upgrade cannot silently drop
 * or double one.
 */
const INK_PATCHES = [
  {
    // It moves the cursor up one line too few when the previous frame ended with a newline (every frame
    // shorter than the terminal), so each update is drawn one row lower and the first line of the old
    // frame stays on screen. Until Ink ships a fix.
    from: 'buffer.push(ansiEscapes.cursorUp(previousVisible - 1));',
    to: "buffer.push(ansiEscapes.cursorUp(previousOutput.endsWith('\\n') ? previousVisible : previousVisible - 1));",
  },
  {
    // It steps over each unchanged line with its own `ESC[E`: 60 of them per frame on a full screen,
    // most of what a steady dashboard sends over SSH. One `ESC[nE` per run of unchanged lines instead.
    from: "stream.write(buffer.join(''));",
    to: "stream.write(buffer.join('').replace(/(?:\\u001B\\[E){2,}/g, (run) => '\\u001B[' + run.length / 3 + 'E'));",
  },
];

const patchInk = {
  name: 'patch-ink-incremental-render',
  setup(b) {
    b.onLoad({ filter: /ink[\\/]build[\\/]log-update\.js$/ }, async (args) => {
      let source = await readFile(args.path, 'utf8');
      for (const { from, to } of INK_PATCHES) {
        if (source.split(from).length !== 2) throw new Error(`ink log-update.js changed: re-check the patch of "${from}" in src/bundle.mjs`);
        source = source.replace(from, to);
      }
      return { contents: source, loader: 'js' };
    });
  },
};

await build({
  entryPoints: ['src/cli.tsx'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outdir: 'dist',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: true,
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
  // Ink imports react-devtools-core only when DEV=true; it is not a dependency.
  alias: { 'react-devtools-core': './src/ui/devtools-stub.ts' },
  // Bundled CommonJS dependencies call require() for Node built-ins.
  banner: { js: "import{createRequire as __nexusTopRequire}from'node:module';const require=__nexusTopRequire(import.meta.url);" },
  plugins: [patchInk],
});
