// zod/mini: the same validation, a fraction of the code to load at start (zod's full build is ~440 KB of the bundle).
import * as z from 'zod/mini';
import { displayUrl } from '../text/redact.js';
import { BACKEND_TYPES } from './types.js';

/** Intervals and timeouts above this are mistakes (1e300 seconds), not settings. */
export const MAX_SECONDS = 86_400;
export const MAX_CONCURRENCY = 10_000;
export const MIN_BODY_LIMIT = 1024;
/** Probe results kept per backend; 10,000 × a large fleet would be a memory leak by another name. */
export const MAX_HISTORY = 10_000;
/** Bodies are buffered to be parsed; a model list never needs more than this. */
export const MAX_BODY_LIMIT = 1024 * 1024 * 1024;

/**
 * zod reports a string given to z.int() as "expected number"; this marks the issue so the
 * message can say "expected an integer" whatever the wrong value was.
 */
export const INTEGER_EXPECTED = 'expected an integer';
const int = () => z.int({ error: (iss) => (iss.code === 'invalid_type' ? INTEGER_EXPECTED : undefined) });

/**
 * Seconds, fractions allowed (`0.2`): Nexus itself takes whole seconds only. The 1 ms floor
 * keeps a tiny value (1e-9) from rounding to a zero interval; 0 and below say "greater than 0".
 */
const seconds = z.number().check(z.positive(), z.gte(0.001), z.lte(MAX_SECONDS));
const atLeastOne = int().check(z.gte(1));

const healthSchema = z.object({
  enabled: z.optional(z.boolean()),
  interval_seconds: z.optional(seconds),
  timeout_seconds: z.optional(seconds),
  failure_threshold: z.optional(atLeastOne),
  recovery_threshold: z.optional(atLeastOne),
});

// Strict: [top] is nexus-top's own table, so a key it does not know is a typo (`fast_intervl_seconds`),
// not another tool's setting. Every other table stays lenient, as Nexus reads them.
export const topSchema = z.strictObject({
  fast_interval_seconds: z.optional(seconds),
  concurrency: z.optional(int().check(z.gte(1), z.lte(MAX_CONCURRENCY))),
  body_limit_bytes: z.optional(int().check(z.gte(MIN_BODY_LIMIT), z.lte(MAX_BODY_LIMIT))),
  history_size: z.optional(int().check(z.gte(3), z.lte(MAX_HISTORY))),
  flap_window: z.optional(int().check(z.gte(3), z.lte(MAX_HISTORY))),
  flap_low: z.optional(z.number().check(z.gte(0), z.lte(100))),
  flap_high: z.optional(z.number().check(z.gte(0), z.lte(100))),
  // Fewer than two changes would call a single outage (down, then up) flapping.
  flap_changes: z.optional(int().check(z.gte(2), z.lte(MAX_HISTORY))),
  flap_window_seconds: z.optional(seconds),
  command_concurrency: z.optional(int().check(z.gte(1), z.lte(MAX_CONCURRENCY))),
  // Checked by src/config/checks.ts, whose messages speak of backends and argv lists.
  checks: z.optional(z.unknown()),
  load: z.optional(z.boolean()),
  load_interval_seconds: z.optional(seconds),
  generate_interval_seconds: z.optional(seconds),
  // Backend names are checked against [[backends]] in parse.ts (the message names the key).
  generate_models: z.optional(z.record(z.string(), z.string().check(z.minLength(1), z.maxLength(1024)))),
  router_url: z.optional(z.string()),
  gpu: z.optional(z.boolean()),
  gpu_interval_seconds: z.optional(z.number().check(z.gte(0.1), z.lte(MAX_SECONDS))),
});

/** A name is a label on a screen line; a URL a few hundred bytes. Past these, the value is a mistake (a pasted file). */
export const MAX_NAME_LENGTH = 256;
export const MAX_URL_LENGTH = 8192;
const tooLong = (length: number, max: number): string => `is too long (${length} characters, at most ${max})`;

const nameSchema = z.string().check(
  z.superRefine((name, ctx) => {
  if (name.trim() === '') ctx.addIssue({ code: 'custom', message: 'must not be empty' });
  else if (name.length > MAX_NAME_LENGTH) ctx.addIssue({ code: 'custom', message: tooLong(name.length, MAX_NAME_LENGTH) });
  // eslint-disable-next-line no-control-regex
  else if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) ctx.addIssue({ code: 'custom', message: 'must not contain control characters' });
  }),
);

const urlSchema = z.string().check(
  z.superRefine((url, ctx) => {
  if (url.trim() === '') {
    ctx.addIssue({ code: 'custom', message: 'must not be empty' });
    return;
  }
  if (url.length > MAX_URL_LENGTH) {
    ctx.addIssue({ code: 'custom', message: tooLong(url.length, MAX_URL_LENGTH) });
    return;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not quoted: an unparseable URL cannot be redacted reliably and may hold a password.
    ctx.addIssue({ code: 'custom', message: 'is not a valid URL (expected http://HOST:PORT or https://HOST)' });
    return;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: `must start with http:// or https:// (got ${JSON.stringify(displayUrl(url))})` });
  }
  }),
);

const backendSchema = z.object({
  name: nameSchema,
  url: urlSchema,
  type: z.optional(z.enum(BACKEND_TYPES)),
  priority: z.optional(int()),
  api_key_env: z.optional(z.string()),
  zone: z.optional(z.string()),
  tier: z.optional(int().check(z.gte(1), z.lte(5))),
  tls_verify: z.optional(z.boolean()),
});

/**
 * The part of nexus.toml nexus-top reads. Objects strip what they do not name, so every
 * other Nexus section (`[server]`, `[routing]`, …) and unknown keys pass unchecked, as in Nexus.
 */
export const configSchema = z.object({
  health_check: z.optional(healthSchema),
  top: z.optional(topSchema),
  backends: z.optional(z.array(backendSchema)),
});

export type RawConfig = z.infer<typeof configSchema>;
