/** Latency as people read it: `0.4ms`, `12ms`, `1.2s`. */
export function formatLatency(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 10) return `${ms.toFixed(1)}ms`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
}

/** Milliseconds rounded to a tenth, for JSON. */
export function roundMs(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms * 10) / 10;
}

export function isoTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

const GIB = 1024 ** 3;

/** GPU memory as people read it: `69.6G`, or `512M` below a GiB; `?` when unknown. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '?';
  if (bytes >= GIB) return `${(bytes / GIB).toFixed(1)}G`;
  return `${Math.round(bytes / 1024 ** 2)}M`;
}
