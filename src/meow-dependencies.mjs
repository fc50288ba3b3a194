/*
 * What meow's own bundle (node_modules/meow/build/dependencies.js) exports, from the packages it was
 * built from, without the ones our use of meow never reaches. meow 14 ships its dependencies as one
 * 245 KB rollup bundle whose top level evaluates all of them at import: yargs-parser and the key
 * casing helpers (used), but also read-package-up and normalize-package-data with semver, the SPDX
 * licence tables, hosted-git-info, Babel's code frame and child_process (~20 ms of every start).
 * src/bundle.mjs resolves meow's `./dependencies.js` to this file.
 *
 * Unused, because src/cli/args.ts gives meow `pkg` (so it never looks for package.json) and never
 * reads `cli.pkg` (the only caller of normalize-package-data): those two throw, should that change.
 * The export names are the ones meow's files import (build/index.js, options.js, parser.js, utils.js);
 * src/cli/meow-dependencies.test.ts checks that meow parses and prints help the same through either.
 */
export { default as y } from 'yargs-parser';
export { trimNewlines as t } from 'trim-newlines';
export { default as r } from 'redent';
export { default as c } from 'camelcase-keys';
export { default as d } from 'decamelize-keys';
export { default as e } from 'decamelize';
export { default as b } from 'minimist-options';

const notBundled = (what) => () => {
  throw new Error(`${what} is not bundled (src/meow-dependencies.mjs): pass meow \`pkg\` and do not read \`cli.pkg\``);
};
export const a = notBundled('read-package-up');
export const n = notBundled('normalize-package-data');
