/** The `code` of a Node system error (`ENOENT`, `EPIPE`…) or of any error that carries one as a string. */
export function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}
