/** A bad command line: one line on stderr, exit 3. */
export class UsageError extends Error {
  override name = 'UsageError';
}
