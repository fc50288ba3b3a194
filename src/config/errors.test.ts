import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';

describe('ConfigError', () => {
  it('formats FILE:LINE: KEY: reason and keeps the parts', () => {
    const err = new ConfigError('expected a table', { file: 'n.toml', line: 4, key: 'health_check' });
    expect(err.message).toBe('n.toml:4: health_check: expected a table');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ConfigError');
    expect([err.file, err.line, err.column, err.key, err.reason]).toEqual(['n.toml', 4, undefined, 'health_check', 'expected a table']);
  });

  it('leaves out what does not apply', () => {
    expect(new ConfigError('invalid TOML: x', { file: 'n.toml', line: 2, column: 7 }).message).toBe('n.toml:2:7: invalid TOML: x');
    expect(new ConfigError('file not found', { file: '/etc/n.toml' }).message).toBe('/etc/n.toml: file not found');
    expect(new ConfigError('must be positive', { key: '--interval' }).message).toBe('--interval: must be positive');
  });

  it('stays on one line whatever the file name holds', () => {
    expect(new ConfigError('file not found', { file: 'a\nb\u001b[2J.toml' }).message).toBe('a b [2J.toml: file not found');
  });
});
