/**
 * What the CLI tests that run the binary against loopback backends share: a temp dir that is HOME and
 * the XDG dirs (nothing of the developer's config or state leaks in), Ollama backends serving a recorded
 * answer, and children that are killed after each test; all cleaned up after the file.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { serveRoutes, type Loopback } from './loopback.js';

export interface CliSandbox {
  dir: string;
  /** For runCli / spawn: no $NEXUS_TOP_CONFIG, HOME and XDG_* in `dir`, CI=true. */
  env: Record<string, string | undefined>;
  /** A loopback Ollama (`GET /api/tags` from fixtures/wire), closed after the file. */
  ollama(): Promise<Loopback>;
  /** Kill this child (SIGKILL) after the test if it still runs. */
  track(child: ChildProcess): ChildProcess;
}

export function cliSandbox(name: string): CliSandbox {
  const dir = mkdtempSync(join(tmpdir(), `nexus-top-${name}-`));
  const servers: Loopback[] = [];
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
  });
  afterAll(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    env: { NEXUS_TOP_CONFIG: undefined, XDG_CONFIG_HOME: join(dir, 'config'), XDG_STATE_HOME: join(dir, 'state'), HOME: dir, CI: 'true' },
    async ollama() {
      const s = await serveRoutes({ '/api/tags': 'ollama/api_tags.http' }, 'ollama/not_found.http');
      servers.push(s);
      return s;
    },
    track(child) {
      children.push(child);
      return child;
    },
  };
}
