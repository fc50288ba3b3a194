import type { BackendType } from '../config/types.js';
import type { FailureKind, ProbeOutcome } from '../core/outcome.js';

/** One HTTP answer, body already decoded as WHATWG UTF-8. */
export interface HttpAnswer {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: string;
}

/** The result of one exchange: an answer, or a transport failure already classified. */
export type Exchange =
  | ({ ok: true } & HttpAnswer)
  | { ok: false; kind: FailureKind; message: string };

/** Performs a GET on a path of the backend (the shell supplies it: undici in life, anything in tests). */
export type Get = (path: string) => Promise<Exchange>;

/** A GET on a path of the backend, or a POST of `json` (serialised by the shell) when it is given. */
export type Send = (path: string, json?: unknown) => Promise<Exchange>;

/**
 * What a backend type knows: where to look, which auth header it wants, how to read the answers.
 * `check` only sequences `get` calls and pure parsers; it does no I/O of its own.
 */
export interface BackendDriver {
  type: BackendType;
  /** The path probed first; shown in messages and help. */
  path: string;
  authHeaders(apiKey: string): Record<string, string>;
  check(get: Get): Promise<ProbeOutcome>;
}
