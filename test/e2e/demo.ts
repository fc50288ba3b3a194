/** What the built-in demo fleet looks like on screen (shared by the e2e tests). */
import type { Screen } from '../helpers/tmux.js';

/** The demo fleet, in the table's default order (sorted by name). */
export const DEMO_NAMES = ['exo-behind-proxy', 'llamacpp-gpu2', 'lmstudio-slow', 'ollama-gone', 'ollama-gpu1', 'openai-flaky', 'sglang-intermittent', 'vllm-a100'] as const;

/** The first line of the dashboard: `nexus-top 0.1.0  ·  demo  ·  every 2s  ·  sort: name…` (`|` in ASCII). */
export const HEADER = /^nexus-top \d+\.\d+\.\d+\S*  [·|]  demo  [·|]  every /;

/** Long enough for a slow CI machine; a wait that times out shows the screen it last saw. */
export const WAIT = 15_000;
export const TEST_TIMEOUT = 45_000;

/** The dashboard is up: header first, every backend listed and probed at least once (no `unknown` row left). */
export function dashboardReady(s: Screen): boolean {
  return HEADER.test(s.lines[0] ?? '') && DEMO_NAMES.every((n) => rowOf(s, n) !== undefined && !/\bunknown\b/.test(rowOf(s, n)!));
}

/** The table row of a backend (the line whose name cell is `name`). */
export function rowOf(s: Screen, name: string): string | undefined {
  return s.lines.find((l) => l.slice(3).startsWith(`${name} `) || l.slice(3) === name);
}

/** The `last check` value of the detail pane. */
export function lastCheck(s: Screen): string | undefined {
  return s.lines.find((l) => l.startsWith('last check'))?.replace(/^last check\s+/, '');
}
