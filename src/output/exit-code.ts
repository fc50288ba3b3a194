import type { FleetSnapshot } from '../store/types.js';

/** Monitoring-plugin convention: OK, WARNING, CRITICAL, UNKNOWN (config or usage). */
export const EXIT = { ok: 0, warning: 1, critical: 2, usage: 3, internal: 70 } as const;

/**
 * 0 when every backend that is not drained is healthy (and none flapping); 1 when some are not but
 * at least one is healthy; 2 when none is. Drained backends count for nothing (an empty watch list is OK).
 */
export function exitCodeFor(snapshot: FleetSnapshot): number {
  const watched = snapshot.backends.filter((b) => !b.drained);
  const healthy = watched.filter((b) => b.health === 'healthy').length;
  // A flapping backend is a warning even while its status says healthy.
  if (healthy === watched.length && !watched.some((b) => b.flapping)) return EXIT.ok;
  return healthy > 0 ? EXIT.warning : EXIT.critical;
}
