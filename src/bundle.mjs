// Builds dist/cli.js: one minified ESM bundle (Ink loaded lazily in its own chunk), source maps kept.
// Run by `npm run build`. Plain JS so it needs nothing but esbuild.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';

/**
 * Ink 6.8's incremental renderer moves the cursor up one line too few when the previous frame ended
 * with a newline (every frame shorter than the terminal), so each update is drawn one row lower and
 * the first line of the old frame stays on screen. Fixed here, at bundle time, until Ink ships a fix;
 * the build fails if the line is no longer there, so an Ink upgrade cannot silently drop or double it.
 */
const BUGGY = 'buffer.push(ansiEscapes.cursorUp(previousVisible - 1));';
const FIXED = "buffer.push(ansiEscapes.cursorUp(previousOutput.endsWith('\\n') ? previousVisible : previousVisible - 1));";

const patchInk = {
  name: 'patch-ink-incremental-render',
  setup(b) {
    b.onLoad({ filter: /ink[\\/]build[\\/]log-update\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(BUGGY)) throw new Error(`ink log-update.js changed: re-check the incremental-render patch in src/bundle.mjs`);
      return { contents: source.replace(BUGGY, FIXED), loader: 'js' };
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
