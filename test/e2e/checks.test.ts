/**
 * TCP and command checks in the dashboard, in a real terminal (tmux) running the built binary: the table
 * shows `-` for their models and the detail pane says which check runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { killAllTerminals, withTerminal, type Screen } from '../helpers/tmux.js';
import { TEST_TIMEOUT, WAIT, rowOf } from './demo.js';

let dir: string;
let config: string;
let listener: Server;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nexus-top-e2e-checks-'));
  listener = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as AddressInfo).port;
  config = join(dir, 'nexus.toml');
  writeFileSync(
    config,
    `[[backends]]
name = "port-up"
url = "http://127.0.0.1:${port}"

[[backends]]
name = "script-fail"
url = "http://127.0.0.1:9"

[top.checks.port-up]
check = "tcp"

[top.checks.script-fail]
check = "command"
command = ["sh", "-c", "echo 'weights missing' >&2; exit 4", "\${name}"]
`,
  );
});
afterAll(async () => {
  await killAllTerminals();
  listener.close();
  rmSync(dir, { recursive: true, force: true });
});

const probed = (s: Screen): boolean => ['port-up', 'script-fail'].every((n) => rowOf(s, n) !== undefined && !/\bunknown\b/.test(rowOf(s, n)!));
const checkLine = (s: Screen): string | undefined => s.lines.find((l) => l.startsWith('check '));

describe('tcp and command checks in the dashboard', () => {
  it(
    'the table shows their results; Enter opens a detail pane that says which check runs',
    ({ expect }) =>
      withTerminal('checks', { cols: 110, rows: 30, args: ['--config', config] }, async (t) => {
        let s = await t.waitForScreen(probed, WAIT, 'both backends probed');
        expect(rowOf(s, 'port-up')).toMatch(/healthy.*ms\s+-\s/);
        expect(rowOf(s, 'script-fail')).toMatch(/unhealthy.*command: exit 4: weights missing/);
        await t.keys('g');
        await t.keys('Enter');
        s = await t.waitForScreen((x) => checkLine(x) !== undefined && x.lines.some((l) => l === 'port-up'), WAIT, 'the detail pane of port-up');
        expect(checkLine(s)).toMatch(new RegExp(`^check\\s+tcp connect 127\\.0\\.0\\.1:${port}\\s*$`));
        expect(s.lines.find((l) => l.startsWith('models'))).toMatch(/^models\s+never listed/);
        await t.keys('Escape');
        await t.waitForScreen(probed, WAIT, 'the table back');
        await t.keys('j');
        await t.keys('Enter');
        s = await t.waitForScreen((x) => x.lines.some((l) => l === 'script-fail') && checkLine(x) !== undefined, WAIT, 'the detail pane of script-fail');
        expect(checkLine(s)).toMatch(/^check\s+command: sh -c "echo 'weights missing' >&2; exit 4" \$\{name\}\s*$/);
        await t.keys('q');
        const { code } = await t.waitForExit(WAIT);
        expect(code).toBe(0);
      }),
    TEST_TIMEOUT,
  );
});
