// The esbuild plugin that makes meow cheap to load, applied by src/bundle.mjs (and by
// src/cli/meow-slim.test.ts, which checks meow answers the same through it). Plain JS so it needs nothing but esbuild.
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const MEOW_DEPENDENCIES = join(here, 'meow-dependencies.mjs');
const MEOW_CASE = join(here, 'meow-case.mjs');

/**
 * meow's bundled dependencies without the ones we never reach (src/meow-dependencies.mjs), and
 * camelcase/decamelize answering at once for lowercase ASCII keys (src/meow-case.mjs).
 */
export const slimMeow = {
  name: 'slim-meow',
  setup(b) {
    b.onResolve({ filter: /^\.\/dependencies\.js$/ }, (args) => (/[\\/]node_modules[\\/]meow[\\/]build$/.test(resolve(args.resolveDir)) ? { path: MEOW_DEPENDENCIES } : undefined));
    b.onResolve({ filter: /^(camelcase|decamelize)$/ }, (args) => (args.importer === MEOW_CASE ? undefined : { path: args.path, namespace: 'meow-case' }));
    b.onLoad({ filter: /.*/, namespace: 'meow-case' }, (args) => ({ contents: `export { ${args.path} as default } from ${JSON.stringify(MEOW_CASE)};`, loader: 'js', resolveDir: here }));
  },
};
