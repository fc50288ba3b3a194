import type { GenerationView } from '../core/load.js';
import { isoTime, roundMs } from './format.js';

/**
 * A backend's last generation check in `--json` (CONTRACT.md "Generation check"): null when the check is
 * off or not applicable. A skipped check (Ollama with no model loaded) is `ok: false`, `error: null`,
 * and says why in `skipped` (added to the contract's keys; null when it ran).
 */
export function generationJson(g: GenerationView | null) {
  if (g === null) return null;
  return {
    ok: g.ok,
    model: g.model,
    ttft_ms: roundMs(g.ttftMs),
    at: isoTime(g.at),
    error: g.error ? { kind: g.error.kind, message: g.error.message } : null,
    skipped: g.skipped,
  };
}
