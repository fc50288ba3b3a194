import type { KeyPath } from './key-lines.js';

/**
 * How a key is named in error messages.
 *
 * - Tables and keys are joined with dots, as written in TOML: `health_check.interval_seconds`,
 *   `top.concurrency`. A key that is not a bare TOML key is quoted: `routing.aliases."gpt-4"`.
 * - Array elements take a 0-based index, as Nexus's own messages do (`backends[0].url`) and
 *   as jq or JavaScript would: `backends[0]` is the first `[[backends]]` table.
 * - A backend whose name is known also shows it, so the user sees at once which one is
 *   meant without counting tables: `backends[1] (gpu-2).url`. A name that is not plain
 *   (spaces, quotes, controls, very long) is shown JSON-quoted and cut: `backends[1] ("my gpu").url`.
 *   The message's line number points at the exact place either way.
 */
export function formatKeyPath(path: KeyPath, backendName?: (index: number) => string | undefined): string {
  let out = '';
  path.forEach((seg, k) => {
    if (typeof seg === 'number') {
      out += `[${seg}]`;
      const name = k === 1 && path[0] === 'backends' ? backendName?.(seg) : undefined;
      if (name !== undefined) out += ` (${displayName(name)})`;
    } else {
      const key = /^[A-Za-z0-9_-]+$/.test(seg) ? seg : JSON.stringify(seg);
      out += k === 0 ? key : `.${key}`;
    }
  });
  return out;
}

const PLAIN_NAME = /^[A-Za-z0-9_.:@/+-]{1,40}$/;

export function displayName(name: string): string {
  if (PLAIN_NAME.test(name)) return name;
  const cut = name.length > 40 ? `${name.slice(0, 39)}…` : name;
  return JSON.stringify(cut);
}
