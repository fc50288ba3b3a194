/** Milliseconds since `since` (process.hrtime.bigint()), monotonic, in 0.1 ms (process.hrtime needs no module: perf_hooks is ~1 ms of a start). */
export const elapsedMs = (since: bigint): number => Math.round(Number(process.hrtime.bigint() - since) / 1e5) / 10;
