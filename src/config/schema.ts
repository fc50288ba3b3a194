import { z } from 'zod';
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
const seconds = z.number().positive().min(0.001).max(MAX_SECONDS);
const atLeastOne = int().min(1);

const healthSchema = z.object({
  enabled: z.boolean().optional(),
  interval_seconds: seconds.optional(),
  timeout_seconds: seconds.optional(),
  failure_threshold: atLeastOne.optional(),
  recovery_threshold: atLeastOne.optional(),
});

const topSchema = z.object({
  fast_interval_seconds: seconds.optional(),
  concurrency: int().min(1).max(MAX_CONCURRENCY).optional(),
  body_limit_bytes: int().min(MIN_BODY_LIMIT).max(MAX_BODY_LIMIT).optional(),
  history_size: int().min(3).max(MAX_HISTORY).optional(),
  flap_window: int().min(3).max(MAX_HISTORY).optional(),
  flap_low: z.number().min(0).max(100).optional(),
  flap_high: z.number().min(0).max(100).optional(),
});

/** A name is a label on a screen line; a URL a few hundred bytes. Past these, the value is a mistake (a pasted file). */
export const MAX_NAME_LENGTH = 256;
export const MAX_URL_LENGTH = 8192;
const tooLong = (length: number, max: number): string => `is too long (${length} characters, at most ${max})`;

const nameSchema = z.string().superRefine((name, ctx) => {
  if (name.trim() === '') ctx.addIssue({ code: 'custom', message: 'must not be empty' });
  else if (name.length > MAX_NAME_LENGTH) ctx.addIssue({ code: 'custom', message: tooLong(name.length, MAX_NAME_LENGTH) });
  // eslint-disable-next-line no-control-regex
  else if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) ctx.addIssue({ code: 'custom', message: 'must not contain control characters' });
});

const urlSchema = z.string().superRefine((url, ctx) => {
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
});

const backendSchema = z.object({
  name: nameSchema,
  url: urlSchema,
  type: z.enum(BACKEND_TYPES).optional(),
  priority: int().optional(),
  api_key_env: z.string().optional(),
  zone: z.string().optional(),
  tier: int().min(1).max(5).optional(),
  tls_verify: z.boolean().optional(),
});

/**
 * The part of nexus.toml nexus-top reads. Objects strip what they do not name, so every
 * other Nexus section (`[server]`, `[routing]`, …) and unknown keys pass unchecked, as in Nexus.
 */
export const configSchema = z.object({
  health_check: healthSchema.optional(),
  top: topSchema.optional(),
  backends: z.array(backendSchema).optional(),
});

export type RawConfig = z.infer<typeof configSchema>;
