import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { loadConfig } from './load.js';

/**
 * Each file in test/configs/ is a bad config whose first line states the exact message a user
 * must see: `# expect: <file>:LINE: KEY: reason`, `<file>` standing for the path given to the
 * loader. The claim sits next to the evidence, so the line numbers can be checked by eye.
 * A trailing `<any>` accepts any text from there (smol-toml's own wording).
 */
const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../../test/configs');
const files = readdirSync(dir).filter((f) => f.endsWith('.toml')).sort();

describe('bad config corpus (test/configs)', () => {
  it('has a file for each error class', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  it.each(files)('%s gives the message it states', (name) => {
    const path = join(dir, name);
    const firstLine = readFileSync(path, 'utf8').split('\n')[0] ?? '';
    const expected = /^# expect: (.*)$/.exec(firstLine)?.[1];
    expect(expected, 'first line must be "# expect: …"').toBeDefined();

    let thrown: unknown;
    try {
      loadConfig(path);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const message = (thrown as ConfigError).message;
    expect(message).not.toContain('\n');
    expect(message).not.toContain('hunter2');
    const want = expected!.replace('<file>', path);
    if (want.endsWith('<any>')) expect(message.startsWith(want.slice(0, -'<any>'.length))).toBe(true);
    else expect(message).toBe(want);
    expect(`nexus-top: ${message}`).toMatch(/^nexus-top: \//);
  });
});
