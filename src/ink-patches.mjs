// Patches to Ink, applied by src/bundle.mjs when it bundles Ink (and by src/ui/ink-patches.test.ts, which
// checks the patched screen buffer draws what Ink's own does). Plain JS so it needs nothing but esbuild.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** nexus-top's cell renderer (TypeScript: esbuild bundles it with Ink). */
const CELL_LOG = fileURLToPath(new URL('./ui/cell-log.ts', import.meta.url));

/**
 * Patches to Ink 6.8, applied at bundle time; the build fails if a patched line is no longer there, so an
 * Ink upgrade cannot silently drop or double one.
 */
export const INK_PATCHES = {
  // Its incremental renderer (node_modules/ink/build/log-update.js).
  'log-update.js': [
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
    // Its incremental renderer rewrites every changed line whole: a dashboard whose HISTORY strips grow by a
    // cell each round rewrites every row every second. src/ui/cell-log.ts writes only the cells that changed
    // and hands a frame to the renderer above where it cannot know the screen (after a resize, with a cursor).
    {
      cellLog: true,
      from: "import ansiEscapes from 'ansi-escapes';",
      to: `import ansiEscapes from 'ansi-escapes';\nimport { createCellLog as nexusTopCellLog } from ${JSON.stringify(CELL_LOG)};`,
    },
    {
      cellLog: true,
      from: 'return createIncremental(stream, { showCursor });',
      to: 'return nexusTopCellLog(stream, { showCursor }, createIncremental, cliCursor);',
    },
  ],
  // Its screen buffer (node_modules/ink/build/output.js). Every frame it builds the whole screen again from
  // the text of every line: each line tokenized into one object per character (with its styles), measured,
  // placed cell by cell and turned back into a string with its escapes; ~10 MB of short-lived objects per
  // frame of a 120×40 dashboard, whose lines are mostly the same as in the frame before. Now a row drawn
  // from a single line is remembered as the string it becomes (which depends on nothing but that line and
  // where it starts) and only a line not seen there before is tokenized and placed; a row drawn from several
  // writes is built as before. And a row's escapes are written compactly: adjacent SGR sequences as one
  // (`ESC[1;35m`, not `ESC[1mESC[35m`), and the end of all styles as `ESC[m` rather than one undo per style
  // (`ESC[39mESC[22m`); each line starts and ends unstyled, so the screen is the same, in fewer bytes.
  'output.js': [
    {
      from: "import { styledCharsFromTokens, styledCharsToString, tokenize, } from '@alcalzone/ansi-tokenize';",
      to: "import { ansiCodesToString, diffAnsiCodes, styledCharsFromTokens, styledCharsToString, tokenize, } from '@alcalzone/ansi-tokenize';",
    },
    {
      from: 'export default class Output {',
      to: [
        '/** Rows drawn from one line, by `x:line`: the string each became (bounded). */',
        'const nexusTopRows = new Map();',
        '/** Ink\'s placement of one line\'s characters into a row of cells, as it was inline in get(). */',
        'const nexusTopPlace = (caches, currentLine, x, line) => {',
        '    const characters = caches.getStyledChars(line);',
        '    let offsetX = x;',
        '    for (const character of characters) {',
        '        currentLine[offsetX] = character;',
        '        const characterWidth = Math.max(1, caches.getStringWidth(character.value));',
        '        if (characterWidth > 1) {',
        '            for (let index = 1; index < characterWidth; index++) {',
        "                currentLine[offsetX + index] = { type: 'char', value: '', fullWidth: false, styles: character.styles };",
        '            }',
        '        }',
        '        offsetX += characterWidth;',
        '    }',
        '};',
        'const nexusTopSgr = /^\\u001B\\[[\\d;]*m$/;',
        'const nexusTopSame = (a, b) => a === b || (a.length === b.length && a.every((code, i) => code.code === b[i].code));',
        'const nexusTopCodes = (from, to) => {',
        '    if (nexusTopSame(from, to)) return "";',
        '    if (to.length === 0 && from.every((code) => nexusTopSgr.test(code.code))) return "\\u001B[m";',
        '    return ansiCodesToString(diffAnsiCodes(from, to)).replace(/m\\u001B\\[(?=[\\d;]*m)/g, ";");',
        '};',
        'const nexusTopRowString = (chars) => {',
        '    let row = "";',
        '    let styles = [];',
        '    for (const char of chars) {',
        '        row += nexusTopCodes(styles, char.styles) + char.value;',
        '        styles = char.styles;',
        '    }',
        '    return row + nexusTopCodes(styles, []);',
        '};',
        'export default class Output {',
      ].join('\n'),
    },
    {
      from: 'caches = new OutputCaches();',
      to: 'caches = new OutputCaches();\n    /** Per row: its one write so far ({ x, line }, placed when the row is built), or null after several. */\n    rowSources = [];',
    },
    {
      from: [
        '                    const characters = this.caches.getStyledChars(line);',
        '                    let offsetX = x;',
        '                    for (const character of characters) {',
        '                        currentLine[offsetX] = character;',
        '                        // Determine printed width using string-width to align with measurement',
        '                        const characterWidth = Math.max(1, this.caches.getStringWidth(character.value));',
        '                        // For multi-column characters, clear following cells to avoid stray spaces/artifacts',
        '                        if (characterWidth > 1) {',
        '                            for (let index = 1; index < characterWidth; index++) {',
        '                                currentLine[offsetX + index] = {',
        "                                    type: 'char',",
        "                                    value: '',",
        '                                    fullWidth: false,',
        '                                    styles: character.styles,',
        '                                };',
        '                            }',
        '                        }',
        '                        offsetX += characterWidth;',
        '                    }',
      ].join('\n'),
      to: [
        '                    const first = this.rowSources[y + offsetY];',
        '                    if (first === undefined) {',
        '                        this.rowSources[y + offsetY] = { x, line };',
        '                    }',
        '                    else {',
        '                        if (first !== null) nexusTopPlace(this.caches, currentLine, first.x, first.line);',
        '                        this.rowSources[y + offsetY] = null;',
        '                        nexusTopPlace(this.caches, currentLine, x, line);',
        '                    }',
      ].join('\n'),
    },
    {
      from: [
        '            .map(line => {',
        '            // See https://github.com/vadimdemedes/ink/pull/564#issuecomment-1637022742',
        '            const lineWithoutEmptyItems = line.filter(item => item !== undefined);',
        '            return styledCharsToString(lineWithoutEmptyItems).trimEnd();',
        '        })',
      ].join('\n'),
      to: [
        '            .map((line, rowIndex) => {',
        '            const source = this.rowSources[rowIndex];',
        "            const key = source ? source.x + ':' + source.line : undefined;",
        '            let row = key === undefined ? undefined : nexusTopRows.get(key);',
        '            if (row === undefined) {',
        '                if (source) nexusTopPlace(this.caches, line, source.x, source.line);',
        '                // See https://github.com/vadimdemedes/ink/pull/564#issuecomment-1637022742',
        '                const lineWithoutEmptyItems = line.filter(item => item !== undefined);',
        '                row = nexusTopRowString(lineWithoutEmptyItems).trimEnd();',
        '                if (key !== undefined) {',
        '                    if (nexusTopRows.size >= 256) nexusTopRows.clear();',
        '                    nexusTopRows.set(key, row);',
        '                }',
        '            }',
        '            return row;',
        '        })',
      ].join('\n'),
    },
  ],
  // Its text measurement (node_modules/ink/build/measure-text.js) keeps the size of every text it ever
  // measured, in a Map that is never emptied: every distinct line a live dashboard ever showed (a row whose
  // SINCE or HISTORY moved is a new text), some 20 MB over ten minutes of a busy fleet. Bounded.
  'measure-text.js': [{ from: 'cache.set(text, dimensions);', to: 'if (cache.size >= 1024) cache.clear();\n    cache.set(text, dimensions);' }],
  // Drawing a text node (node_modules/ink/build/render-node-to-output.js) measured it again on every frame
  // (string-width over each line: an object per character); the layout has just measured it, so the size
  // comes from that cache instead.
  'render-node-to-output.js': [
    { from: "import widestLine from 'widest-line';", to: "import measureText from './measure-text.js';" },
    { from: 'const currentWidth = widestLine(text);', to: 'const currentWidth = measureText(text).width;' },
  ],
};

/** The esbuild plugin applying `patches` (by default all of them; a test leaves some out to compare). */
export const inkPatcher = (patchSet = INK_PATCHES) => ({
  name: 'patch-ink',
  setup(b) {
    b.onLoad({ filter: new RegExp(`[\\\\/]ink[\\\\/]build[\\\\/](${Object.keys(patchSet).map((f) => f.replace('.', '\\.')).join('|')})$`) }, async (args) => {
      let source = await readFile(args.path, 'utf8');
      const patches = patchSet[args.path.replace(/.*[\\/]/, '')];
      for (const { from, to } of patches) {
        if (source.split(from).length !== 2) throw new Error(`ink ${args.path.replace(/.*[\\/]ink[\\/]/, '')} changed: re-check the patch of "${from.split('\n')[0]}" in src/ink-patches.mjs`);
        source = source.replace(from, () => to);
      }
      return { contents: source, loader: 'js' };
    });
  },
});

export const patchInk = inkPatcher();

/** Every patch but the cell renderer: Ink's line renderer as the dashboard drew with it before. */
export const INK_PATCHES_LINE_RENDERER = Object.fromEntries(Object.entries(INK_PATCHES).map(([file, patches]) => [file, patches.filter((p) => !p.cellLog)]));
