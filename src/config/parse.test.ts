import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { parse as parseToml } from 'smol-toml';
import { parseChecks } from './checks.js';
import { parseConfig } from './parse.js';
import { DEFAULT_HEALTH, DEFAULT_TOP, loadIntervalMs } from './types.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (rel: string): string => readFileSync(resolve(root, rel), 'utf8');

/** The message parseConfig throws, or a failure when it does not throw a ConfigError. */
function errorOf(text: string, file = 'nexus.toml', overrides?: { intervalMs?: number; timeoutMs?: number }): string {
  try {
    parseConfig(text, file, overrides);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

const ONE = '[[backends]]\nname = "a"\nurl = "http://a:1"\n';

describe('nexus.example.toml', () => {
  const config = parseConfig(read('nexus.example.toml'), 'nexus.example.toml');

  it('has one backend per common local server, on its default port', () => {
    expect(config.backends.map((b) => [b.name, b.type, b.url])).toEqual([
      ['ollama', 'ollama', 'http://localhost:11434'],
      ['vllm', 'vllm', 'http://localhost:8000'],
      ['llamacpp', 'llamacpp', 'http://localhost:8080'],
      ['lmstudio', 'lmstudio', 'http://localhost:1234'],
      ['exo', 'exo', 'http://localhost:52415'],
    ]);
  });

  it('spells out the defaults', () => {
    expect(config.health).toEqual(DEFAULT_HEALTH);
    expect(config.top).toEqual(DEFAULT_TOP);
    expect(config.backends.every((b) => b.tlsVerify && b.apiKeyEnv === undefined)).toBe(true);
    expect(config.source).toBe('nexus.example.toml');
  });

  it('keeps Nexus off the vLLM port', () => {
    expect(read('nexus.example.toml')).toMatch(/^\[server\][^[]*^port = 8001$/m);
  });

  it('has a [top] table whose commented keys are exactly the defaults', () => {
    const text = read('nexus.example.toml');
    const uncommented = text.replace(/^# (\[top\]|fast_interval_seconds|concurrency|body_limit_bytes|command_concurrency)/gm, '$1');
    expect(uncommented).not.toBe(text);
    expect(parseConfig(uncommented, 'x').top).toEqual(DEFAULT_TOP);
  });

  it('has a [top.checks] example that is valid when uncommented', () => {
    const text = read('nexus.example.toml');
    const uncommented = text.replace(/^# (\[top\.checks\.|check = |command = |also = )/gm, '$1');
    expect(uncommented).not.toBe(text);
    const raw = parseToml(uncommented) as { top: { checks: unknown } };
    const checks = parseChecks({ raw: raw.top.checks, backends: ['vllm', 'llamacpp'], cwd: '/', programProblem: () => undefined });
    expect(checks).toEqual({
      ok: true,
      checks: new Map<string, unknown>([
        ['vllm', { kind: 'tcp', also: false }],
        ['llamacpp', { kind: 'command', also: true, argv: ['curl', '-fsS', '-o', '/dev/null', '${url}/health'], cwd: '/' }],
      ]),
    });
  });

  it('has a cloud example that parses when uncommented', () => {
    const text = read('nexus.example.toml');
    const cloud = text.slice(text.lastIndexOf('# [[backends]]')).replace(/^# /gm, '');
    const [openai] = parseConfig(cloud, 'x').backends;
    expect(openai).toEqual({
      name: 'openai',
      url: 'https://api.openai.com',
      type: 'openai',
      priority: 100,
      apiKeyEnv: 'OPENAI_API_KEY',
      zone: 'open',
      tier: 3,
      tlsVerify: true,
    });
  });
});

describe('flap detection and history settings', () => {
  const base = '[[backends]]\nname = "a"\nurl = "http://h:1"\n';
  it('default to a 120-probe history and Nagios-like window 21, 20 % / 30 %', () => {
    expect(parseConfig(base, 'n.toml').top).toMatchObject({ historySize: 120, flapWindow: 21, flapLow: 20, flapHigh: 30 });
  });
  it('refuse flap_low at or above flap_high, naming the line', () => {
    expect(() => parseConfig(`[top]\nflap_low = 40\nflap_high = 30\n${base}`, 'n.toml')).toThrow('n.toml:2: top.flap_low: flap_low (40) must be below flap_high (30)');
  });
  it('refuse a flap window longer than the history', () => {
    expect(() => parseConfig(`[top]\nhistory_size = 10\nflap_window = 21\n${base}`, 'n.toml')).toThrow('n.toml:3: top.flap_window: flap_window (21) must not exceed history_size (10)');
  });
  it('status view: 4 changes in the default window (null: the longer of 20 intervals and 60 s), or as configured', () => {
    expect(parseConfig(base, 'n.toml').top).toMatchObject({ flapChanges: 4, flapWindowMs: null });
    expect(parseConfig(`[top]\nflap_changes = 6\nflap_window_seconds = 90\n${base}`, 'n.toml').top).toMatchObject({ flapChanges: 6, flapWindowMs: 90_000 });
    expect(parseConfig(`[health_check]\ninterval_seconds = 0.5\n[top]\nflap_window_seconds = 1\n${base}`, 'n.toml').top.flapWindowMs).toBe(1_000);
  });
  it('load, generation, router and GPU keys: defaults, values, and the load interval in force', () => {
    const d = parseConfig(base, 'n.toml');
    expect(d.top).toMatchObject({ load: true, loadIntervalMs: null, generateIntervalMs: null, generateModels: {}, routerUrl: null, gpu: true, gpuIntervalMs: 2_000 });
    // Default: the probe interval (30 s), but not below 5 s.
    expect(loadIntervalMs(d)).toBe(30_000);
    expect(loadIntervalMs(parseConfig(`[health_check]\ninterval_seconds = 1\n${base}`, 'n.toml'))).toBe(5_000);
    const names = [...base.matchAll(/name = "([^"]+)"/g)].map((m) => m[1]!);
    const set = parseConfig(
      `[top]\nload = false\nload_interval_seconds = 2.5\ngenerate_interval_seconds = 60\nrouter_url = "http://127.0.0.1:8000"\ngpu = false\ngpu_interval_seconds = 0.5\n[top.generate_models]\n"${names[0]}" = "m1"\n${base}`,
      'n.toml',
    );
    expect(set.top).toMatchObject({ load: false, loadIntervalMs: 2_500, generateIntervalMs: 60_000, routerUrl: 'http://127.0.0.1:8000', gpu: false, gpuIntervalMs: 500, generateModels: { [names[0]!]: 'm1' } });
    expect(loadIntervalMs(set)).toBe(2_500);
    // Flags win over the file.
    expect(parseConfig(`[top]\nload_interval_seconds = 9\n${base}`, 'n.toml', { loadIntervalMs: 3_000, gpu: false, routerUrl: 'http://r:1' }).top).toMatchObject({ loadIntervalMs: 3_000, gpu: false, routerUrl: 'http://r:1' });
  });
  it('refuse a generate_models entry for no backend, and a router_url that is not http(s), naming the line', () => {
    expect(() => parseConfig(`[top.generate_models]\nnobody = "m"\n${base}`, 'n.toml')).toThrow(/^n\.toml:2: top\.generate_models\.nobody: no backend is named "nobody"/);
    expect(() => parseConfig(`[top]\nrouter_url = "ftp://x"\n${base}`, 'n.toml')).toThrow("n.toml:2: top.router_url: 'ftp://x' must be an http:// or https:// URL");
    expect(() => parseConfig(`[top]\nload_interval_secs = 5\n${base}`, 'n.toml')).toThrow(/^n\.toml:2: top\.load_interval_secs: .*load_interval_seconds/);
  });
  it('refuse fewer than 2 status changes (a single outage would be flapping), naming the line', () => {
    expect(() => parseConfig(`[top]\nflap_changes = 1\n${base}`, 'n.toml')).toThrow(/^n\.toml:2: top\.flap_changes: .*2/);
    expect(() => parseConfig(`[top]\nflap_changes = 2.5\n${base}`, 'n.toml')).toThrow(/^n\.toml:2: top\.flap_changes: expected an integer/);
  });
  it('refuse a status window shorter than 2 intervals, from the file or from --interval', () => {
    expect(() => parseConfig(`[top]\nflap_window_seconds = 50\n${base}`, 'n.toml')).toThrow(
      'n.toml:2: top.flap_window_seconds: must be at least 2 probe intervals (60 s with the interval of 30 s), got 50',
    );
    expect(() => parseConfig(`[top]\nflap_window_seconds = 50\n${base}`, 'n.toml', { intervalMs: 60_000 })).toThrow(
      'n.toml:2: top.flap_window_seconds: must be at least 2 probe intervals (120 s with the interval of 60 s from --interval), got 50',
    );
    expect(() => parseConfig(`[top]\nflap_window_seconds = 0\n${base}`, 'n.toml')).toThrow(/^n\.toml:2: top\.flap_window_seconds: /);
    expect(() => parseConfig(`[top]\nflap_window_seconds = "1m"\n${base}`, 'n.toml')).toThrow(/^n\.toml:2: top\.flap_window_seconds: /);
  });
  it('refuse a key [top] does not know, suggesting the closest one; other tables keep unknown keys (Nexus has many)', () => {
    expect(() => parseConfig(`[top]\nhistory_sise = 10\n${base}`, 'n.toml')).toThrow('n.toml:2: top.history_sise: unknown key; did you mean history_size?');
    expect(() => parseConfig(`[top]\nflap_window = 11\ncolour = "red"\n${base}`, 'n.toml')).toThrow(/^n\.toml:3: top\.colour: unknown key \(known: fast_interval_seconds, .*command_concurrency, checks, load, .*gpu_interval_seconds\)$/);
    // The first problem in the file wins, whichever kind it is.
    expect(() => parseConfig(`[top]\nconcurrency = 0\nflap_lo = 5\n${base}`, 'n.toml')).toThrow(/^n\.toml:2: top\.concurrency: /);
    expect(() => parseConfig(`[top]\nflap_lo = 5\nconcurrency = 0\n${base}`, 'n.toml')).toThrow('n.toml:2: top.flap_lo: unknown key; did you mean flap_low?');
    expect(parseConfig(`[health_check]\nsomething_new = 1\n[routing]\nstrategy = "smart"\n${base}`, 'n.toml').backends).toHaveLength(1);
  });
  it('refuse a history too large to be a setting', () => {
    expect(() => parseConfig(`[top]\nhistory_size = 1000000\n${base}`, 'n.toml')).toThrow(/^n\.toml:2: top\.history_size: /);
  });
});

describe('a full Nexus config', () => {
  const config = parseConfig(read('test/configs/valid/full-nexus.toml'), 'full-nexus.toml');

  it('reads health_check (fractions included) and [top]', () => {
    expect(config.health).toEqual({
      enabled: false,
      intervalMs: 200,
      timeoutMs: 1500,
      failureThreshold: 5,
      recoveryThreshold: 1,
    });
    expect(config.top).toEqual({ fastIntervalMs: 500, concurrency: 8, bodyLimitBytes: 1_048_576, historySize: 60, flapWindow: 11, flapLow: 15, flapHigh: 35, flapChanges: 5, flapWindowMs: 45_000, commandConcurrency: 2, load: true, loadIntervalMs: null, generateIntervalMs: null, generateModels: {}, routerUrl: null, gpu: true, gpuIntervalMs: 2_000 });
  });

  it('reads every backend field and ignores [server], [routing], [discovery], [logging] and unknown keys', () => {
    expect(config.backends).toEqual([
      { name: 'local-ollama', url: 'http://localhost:11434', type: 'ollama', priority: 1, tlsVerify: true, check: { kind: 'tcp', also: true } },
      {
        name: 'gpu-server',
        url: 'http://admin:s3cret@192.168.1.100:8000',
        type: 'vllm',
        priority: 3,
        tlsVerify: false,
      },
      {
        name: 'openai-cloud',
        url: 'https://api.openai.com',
        type: 'openai',
        priority: 100,
        apiKeyEnv: 'OPENAI_API_KEY',
        zone: 'open',
        tier: 3,
        tlsVerify: true,
      },
      { name: 'plain', url: 'https://plain.example', type: 'generic', priority: 50, tlsVerify: true },
    ]);
    expect(Object.keys(config).sort()).toEqual(['backends', 'health', 'source', 'top']);
  });
});

describe('defaults and values', () => {
  it('fills every default for a minimal file', () => {
    expect(parseConfig(ONE, 'min.toml')).toEqual({
      source: 'min.toml',
      health: DEFAULT_HEALTH,
      top: DEFAULT_TOP,
      backends: [{ name: 'a', url: 'http://a:1', type: 'generic', priority: 50, tlsVerify: true }],
    });
  });

  it('takes fractions of seconds without float noise', () => {
    const c = parseConfig(`[health_check]\ninterval_seconds = 1.1\ntimeout_seconds = 0.3\n[top]\nfast_interval_seconds = 0.2\n${ONE}`, 'f');
    expect([c.health.intervalMs, c.health.timeoutMs, c.top.fastIntervalMs]).toEqual([1100, 300, 200]);
  });

  it('accepts backends as an inline array and dotted keys', () => {
    const c = parseConfig('health_check.interval_seconds = 7\nbackends = [{ name = "x", url = "https://x" }]', 'f');
    expect(c.health.intervalMs).toBe(7000);
    expect(c.backends.map((b) => b.name)).toEqual(['x']);
  });

  it('accepts a BOM and CRLF line endings', () => {
    const c = parseConfig(`\uFEFF[health_check]\r\ninterval_seconds = 3\r\n${ONE.replace(/\n/g, '\r\n')}`, 'f');
    expect(c.health.intervalMs).toBe(3000);
  });

  it('lets flag overrides replace the file values', () => {
    const text = `[health_check]\ninterval_seconds = 30\ntimeout_seconds = 5\n${ONE}`;
    const c = parseConfig(text, 'f', { intervalMs: 2500, timeoutMs: 800 });
    expect([c.health.intervalMs, c.health.timeoutMs]).toEqual([2500, 800]);
    expect(parseConfig(text, 'f', { timeoutMs: 800 }).health.intervalMs).toBe(30_000);
  });

  it('rejects out-of-range overrides, naming the flag', () => {
    expect(errorOf(ONE, 'f', { intervalMs: 0 })).toBe('--interval: must be a positive duration (got 0 ms)');
    expect(errorOf(ONE, 'f', { timeoutMs: 90_000_000 })).toBe('--timeout: must be at most 1 day (got 90000000 ms)');
  });
});

describe('errors (inline cases; the file corpus is in corpus.test.ts)', () => {
  it('reports the first problem in document order', () => {
    const text = `[[backends]]\nname = "a"\nurl = "ftp://a"\n\n[health_check]\ninterval_seconds = -1\n`;
    expect(errorOf(text)).toBe('nexus.toml:3: backends[0] (a).url: must start with http:// or https:// (got "ftp://a")');
  });

  it('reports a missing url at the [[backends]] header when the table ends the file', () => {
    expect(errorOf(`${ONE}\n[[backends]]\nname = "b"`)).toBe(
      'nexus.toml:5: backends[1] (b).url: missing: every backend needs a url (http:// or https://)',
    );
  });

  it('never shows a URL password, whatever the error', () => {
    const text = '[[backends]]\nname = "a"\nurl = "gopher://user:pa55word@h:70/x?token=abc"\n';
    const message = errorOf(text);
    expect(message).toBe('nexus.toml:3: backends[0] (a).url: must start with http:// or https:// (got "gopher://user@h:70/x?token=***")');
  });

  it('does not echo an invalid TOML line (it may hold a secret)', () => {
    expect(errorOf('[[backends]]\nname = "a"\nurl = "http://u:pa55word@h" extra\n')).toBe(
      'nexus.toml:3:29: invalid TOML: each key-value declaration must be followed by an end-of-line',
    );
  });

  it('quotes odd backend names in the key path', () => {
    expect(errorOf('[[backends]]\nname = "my gpu"\nurl = "http://a:1"\ntier = 9\n')).toBe(
      'nexus.toml:4: backends[0] ("my gpu").tier: must be at most 5 (got 9)',
    );
  });

  it('rejects control characters in names', () => {
    expect(errorOf('[[backends]]\nname = "a\\u001b[31m"\nurl = "http://a:1"\n')).toBe(
      'nexus.toml:2: backends[0] ("a\\u001b[31m").name: must not contain control characters',
    );
  });

  it('rejects integers beyond what a number holds exactly, naming the key and the exact value', () => {
    expect(errorOf(`[top]\nconcurrency = 99999999999999999999\n${ONE}`)).toBe('nexus.toml:2: top.concurrency: must be at most 10000 (got 99999999999999999999)');
    expect(errorOf(`[health_check]\nfailure_threshold = 9223372036854775807\n${ONE}`)).toBe(
      'nexus.toml:2: health_check.failure_threshold: is too large (got 9223372036854775807)',
    );
    expect(errorOf(`[health_check]\nrecovery_threshold = -9223372036854775808\n${ONE}`)).toBe(
      'nexus.toml:2: health_check.recovery_threshold: must be at least 1 (got -9223372036854775808)',
    );
    expect(errorOf(`${ONE}priority = -99999999999999999999\n`)).toBe('nexus.toml:4: backends[0] (a).priority: is too small (got -99999999999999999999)');
    expect(errorOf(`${ONE}tier = 0x7fffffffffffffff\n`)).toBe('nexus.toml:4: backends[0] (a).tier: must be at most 5 (got 9223372036854775807)');
    expect(errorOf(`[health_check]\ninterval_seconds = 9223372036854775807\n${ONE}`)).toBe(
      'nexus.toml:2: health_check.interval_seconds: must be at most 86400 seconds (1 day) (got 9223372036854775807)',
    );
    expect(errorOf('[[backends]]\nname = 12345678901234567890\nurl = "http://a:1"\n')).toBe(
      'nexus.toml:2: backends[0].name: expected a string, got integer 12345678901234567890',
    );
    // Big integers elsewhere in a Nexus config (sections nexus-top does not read) are no concern.
    expect(parseConfig(`[server]\nmax_body = 99999999999999999999\nstarted = 1979-05-27T07:32:00Z\n${ONE}priority = -9007199254740991\n`, 'nexus.toml').backends[0]!.priority).toBe(
      -9007199254740991,
    );
    expect(errorOf(`[health_check]\nfailure_threshold = 1e20\n${ONE}`)).toBe(
      'nexus.toml:2: health_check.failure_threshold: is too large (got 100000000000000000000)',
    );
  });

  it('refuses an interval so small it would round to 0 ms', () => {
    expect(errorOf(`[health_check]\ntimeout_seconds = 1e-9\n${ONE}`)).toBe(
      'nexus.toml:2: health_check.timeout_seconds: must be at least 0.001 seconds (got 1e-9)',
    );
  });

  it('says "no backends" for a file with only comments', () => {
    expect(errorOf('# nothing yet\n')).toBe('nexus.toml: no backends configured (add a [[backends]] table with a name and url)');
    expect(errorOf('')).toBe('nexus.toml: no backends configured (the file is empty)');
  });

  it('rejects an array of non-tables at the element, without the URL password', () => {
    expect(errorOf('backends = [\n  "http://a:1",\n  "http://u:pa55word@b:2",\n]\n')).toBe(
      'nexus.toml:2: backends[0]: expected a table, got string "http://a:1"',
    );
    expect(errorOf('backends = [\n  { name = "a", url = "http://a:1" },\n  "http://u:pa55word@b:2",\n]\n')).toBe(
      'nexus.toml:3: backends[1]: expected a table, got string "http://u@b:2"',
    );
    expect(errorOf('[health_check]\nenabled = "x://u:pa55word@b:2 and more"\n')).toBe(
      'nexus.toml:2: health_check.enabled: expected true or false, got string "x://u@b:2 and more"',
    );
  });
});
