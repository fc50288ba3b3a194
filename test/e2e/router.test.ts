/**
 * The Nexus router's header line in a real terminal (tmux) running the built binary: read from a real
 * loopback router, then the router goes away and the header says so in one line.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { serveRoutes, type Loopback } from '../helpers/loopback.js';
import { killAllTerminals, withTerminal } from '../helpers/tmux.js';
import { TEST_TIMEOUT, WAIT } from './demo.js';

let dir: string;
let config: string;
let backend: Loopback;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nexus-top-e2e-router-'));
  backend = await serveRoutes({ '/v1/models': 'vllm/v1_models.http' });
  config = join(dir, 'nexus.toml');
  writeFileSync(
    config,
    ['[health_check]', 'interval_seconds = 1', '[top]', 'load = false', 'load_interval_seconds = 1', '[[backends]]', 'name = "gpu-node-1"', `url = "${backend.url}"`, 'type = "vllm"', ''].join('\n'),
  );
});
afterAll(async () => {
  await killAllTerminals();
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the router in the dashboard header', () => {
  it(
    'shows the router verdict, then one unreachable line when it goes away; the backend stays healthy',
    async ({ expect }) => {
      const router = await serveRoutes({ '/v1/stats': 'nexus/v1_stats.http', '/health': 'nexus/health.http' });
      try {
        await withTerminal('router', { cols: 110, rows: 20, args: ['--config', config, '--router', router.url.replace('http://', 'http://ops:pa55word-x@')] }, async (t) => {
          const up = await t.waitForScreen((s) => /^router ◐ degraded  1\/2 healthy/.test(s.lines[2] ?? ''), WAIT, 'the router line');
          expect(up.lines[2]).toContain('4 pending');
          expect(up.text).not.toContain('pa55word-x');
          await router.close();
          const down = await t.waitForScreen((s) => /^router ✖ unreachable: connection refused/.test(s.lines[2] ?? ''), WAIT, 'the router unreachable');
          const row = down.lines.find((l) => l.includes('gpu-node-1')) ?? '';
          expect(row).toMatch(/● healthy/);
          expect(row).not.toMatch(/refused/);
          expect(down.text.match(/refused/g)?.length).toBe(1);
          await t.keys('q');
          expect((await t.waitForExit(WAIT)).code).toBe(0);
        });
      } finally {
        await router.close();
      }
    },
    TEST_TIMEOUT,
  );
});
