/**
 * The GPU panel in a real terminal (tmux) running the built binary, against a stand-in `nvidia-smi` first
 * on PATH and a real backend process of the test's (issue 16): the panel, the GPU MEM column, `u` hiding
 * and showing the panel, the detail pane's processes; a hanging tool said in the panel while the table
 * goes on; no tool: no panel, and the help and detail pane say "no GPU tool found".
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { listenerWithChild, stopListener, UUID1, writeStandIn, type Listener, type StandIn } from '../helpers/gpu-stand-in.js';
import { killAllTerminals, withTerminal, type Screen } from '../helpers/tmux.js';
import { TEST_TIMEOUT, WAIT } from './demo.js';

const dir = mkdtempSync(join(tmpdir(), 'nexus-top-e2e-gpu-'));
const listeners: Listener[] = [];
afterAll(async () => {
  await killAllTerminals();
  listeners.splice(0).forEach(stopListener);
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** What the pane's shell runs (test/helpers/tmux.ts) and the stand-in's `sleep`: linked into each PATH dir. */
const SHELL_TOOLS = ['sh', 'sleep', 'stty', 'tr', 'grep'];

/**
 * A PATH of one dir: the stand-in (or no GPU tool at all: a real box may have nvidia-smi in /usr/bin) and
 * the few programs the pane's shell needs.
 */
function pathWith(standIn: StandIn | null): string {
  const bin = join(dir, `bin-${++n}`);
  mkdirSync(bin, { recursive: true });
  if (standIn !== null) writeStandIn(bin, standIn);
  for (const tool of SHELL_TOOLS) {
    const found = ['/usr/bin', '/bin'].map((d) => join(d, tool)).find((f) => existsSync(f));
    if (found) symlinkSync(found, join(bin, tool));
  }
  return bin;
}

function config(url: string, timeout = '1'): string {
  const file = join(dir, `fleet-${++n}.toml`);
  writeFileSync(file, `[health_check]\ninterval_seconds = 0.5\ntimeout_seconds = ${timeout}\n\n[[backends]]\nname = "vllm-local"\nurl = "${url}"\ntype = "ollama"\n`);
  return file;
}

const row = (s: Screen): string | undefined => s.lines.find((l) => /^\W{0,3}vllm-local /.test(l));
const panelLine = (s: Screen): string | undefined => s.lines.find((l) => l.startsWith('GPU0 '));

describe.concurrent('the GPU panel', () => {
  it(
    'shows each GPU with bars and figures, the memory the backend holds, the process no backend owns; u hides and shows it',
    ({ expect }) =>
      (async () => {
        const l = await listenerWithChild();
        listeners.push(l);
        const path = pathWith({
          kind: 'answers',
          processes: [
            { pid: l.server, name: 'python3', mib: 70112 },
            { pid: l.worker, name: 'VLLM::EngineCore', mib: 1024 },
            { pid: process.pid, name: 'VLLM::EngineCore', mib: 40960, uuid: UUID1 },
          ],
        });
        await withTerminal('gpu-panel', { cols: 110, rows: 34, args: ['--config', config(l.url)], env: { PATH: path } }, async (t) => {
          const s = await t.waitForScreen((x) => panelLine(x) !== undefined && /healthy/.test(row(x) ?? ''), WAIT, 'the GPU panel and the backend healthy');
          expect(panelLine(s)).toMatch(/^GPU0 NVIDIA H100 80GB HBM3 +util █+░* +87% +mem █+░* 69\.6G\/79\.6G +64°C +512\/700 W/);
          expect(s.lines.find((x) => x.startsWith('GPU1 '))).toMatch(/util \?+ +\?% .* 52°C +\? W/);
          expect(s.text).toContain(`no backend: pid ${process.pid} VLLM::EngineCore holds 40.0G on GPU1`);
          expect(s.text).toMatch(/GPU MEM/);
          expect(row(s)).toMatch(/69\.5G/);
          // The capture for README's GPU section.
          if (process.env.GPU_CAPTURE) writeFileSync(process.env.GPU_CAPTURE, s.text);
          await t.keys('u');
          const hidden = await t.waitForScreen((x) => panelLine(x) === undefined, WAIT, 'the panel hidden after u');
          expect(row(hidden)).toMatch(/healthy/);
          await t.keys('u');
          await t.waitForScreen((x) => panelLine(x) !== undefined, WAIT, 'the panel back after u');
          // The detail pane: the backend's processes, their PIDs and memory, per GPU.
          await t.keys('Enter');
          const d = await t.waitForText(/^gpu\s+69\.5G in 2 processes/m, WAIT);
          expect(d.text).toMatch(new RegExp(`GPU0  pid ${l.server} +68\\.5G  python3`));
          expect(d.text).toMatch(new RegExp(`GPU0  pid ${l.worker} +1\\.0G  VLLM::EngineCore`));
        });
      })(),
    TEST_TIMEOUT,
  );

  it(
    'a tool that hangs is said in the panel (killed at the deadline) while the backend goes on being checked',
    ({ expect }) =>
      (async () => {
        const l = await listenerWithChild();
        listeners.push(l);
        const path = pathWith({ kind: 'hangs', pidFile: join(dir, `hang-${++n}.pid`) });
        await withTerminal('gpu-hang', { cols: 110, rows: 24, args: ['--config', config(l.url, '0.5')], env: { PATH: path } }, async (t) => {
          const s = await t.waitForText('GPUs: nvidia-smi did not answer within 0.5 s (killed)', WAIT);
          expect(row(s)).toMatch(/healthy/);
          // Checked again and again meanwhile: Enter shows its last check a moment ago.
          await t.keys('Enter');
          await t.waitForText(/^last check .*\((0|1)s ago\)/m, WAIT);
        });
      })(),
    TEST_TIMEOUT,
  );

  it(
    'no GPU tool on PATH: no panel, no GPU MEM column; the help and the detail pane say "no GPU tool found"',
    ({ expect }) =>
      (async () => {
        const l = await listenerWithChild();
        listeners.push(l);
        await withTerminal('gpu-none', { cols: 110, rows: 30, args: ['--config', config(l.url)], env: { PATH: pathWith(null) } }, async (t) => {
          const s = await t.waitForScreen((x) => /healthy/.test(row(x) ?? ''), WAIT, 'the backend healthy');
          expect(s.text).not.toMatch(/GPU/);
          await t.keys('?');
          const help = await t.waitForText(/u\s+GPU panel on\/off \(no GPU tool found\)/, WAIT);
          expect(help.text).toContain('no GPU tool found');
          await t.keys('Escape');
          await t.waitForScreen((x) => row(x) !== undefined, WAIT, 'the table back');
          await t.keys('Enter');
          await t.waitForText(/^gpu\s+no GPU tool found/m, WAIT);
        });
      })(),
    TEST_TIMEOUT,
  );
});
