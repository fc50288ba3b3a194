import { describe, expect, it, vi } from 'vitest';
import { MetricsAddressError } from '../metrics/address.js';
import { UsageError } from './usage-error.js';

describe('UsageError', () => {
  it('is recognised when made by another copy of the module (a lazily loaded bundle has its own)', async () => {
    // A second, separate instance of the module, as dist/lazy/ bundles carry.
    vi.resetModules();
    const copy = await import('./usage-error.js');
    expect(copy.UsageError).not.toBe(UsageError);
    const error = new copy.UsageError('bad flag');
    expect(error).toBeInstanceOf(UsageError);
    expect(new UsageError('x')).toBeInstanceOf(copy.UsageError);
    expect(new Error('x')).not.toBeInstanceOf(UsageError);
    expect(null).not.toBeInstanceOf(UsageError);
  });

  it('keeps subclasses apart', () => {
    expect(new MetricsAddressError('in use')).toBeInstanceOf(UsageError);
    expect(new UsageError('x')).not.toBeInstanceOf(MetricsAddressError);
  });
});
