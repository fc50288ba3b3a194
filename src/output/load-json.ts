import type { LoadView } from '../core/load.js';
import { isoTime } from './format.js';

/**
 * A backend's load in `--json` (CONTRACT.md "Load"): a figure it does not report is null; `null` for a
 * type with no load endpoint, with load off, or before the first reading.
 */
export function loadJson(load: LoadView | null) {
  if (load === null) return null;
  return {
    running: load.running,
    waiting: load.waiting,
    kv_cache: load.kvCache,
    slots: load.slots ? { busy: load.slots.busy, total: load.slots.total } : null,
    loaded_models:
      load.loadedModels?.map((m) => ({ name: m.name, size_bytes: m.sizeBytes, vram_bytes: m.vramBytes, expires_at: m.expiresAt === null ? null : isoTime(m.expiresAt) })) ?? null,
    router_pending: load.routerPending,
    sources: [...load.sources],
    at: load.at === null ? null : isoTime(load.at),
    error: load.error ? { kind: load.error.kind, message: load.error.message } : null,
  };
}
