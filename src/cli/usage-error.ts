/** Marks a UsageError whichever copy of this module made it (see below). */
const USAGE_ERROR = Symbol.for('nexus-top.UsageError');

/** A bad command line: one line on stderr, exit 3. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly [USAGE_ERROR] = true;

  /**
   * `instanceof` by mark, not by prototype: the lazily loaded modules (dist/lazy/, e.g. the --metrics
   * server) are bundled with their own copy of this class, and their usage errors must still exit 3.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // Subclasses keep the usual test (a MetricsAddressError is a UsageError, not the other way round).
    if (this !== UsageError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[USAGE_ERROR] === true;
  }
}
