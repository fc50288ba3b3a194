import { sameCheck } from './checks.js';
import type { BackendConfig, Config } from './types.js';

/** What a reloaded config changes, backend by backend (by name). */
export interface FleetChange {
  added: BackendConfig[];
  removed: string[];
  /** Same name, another URL, type, key, TLS setting or check: probed afresh, its history starts over. */
  replaced: BackendConfig[];
  /** Same name and endpoint, only labels changed (priority, zone, tier): history kept. */
  relabelled: BackendConfig[];
  /** [health_check] or [top] differ. */
  settings: boolean;
}

/** The fields that decide what is probed and how: a change of any of them is a different backend. */
function sameEndpoint(a: BackendConfig, b: BackendConfig): boolean {
  return a.url === b.url && a.type === b.type && a.apiKeyEnv === b.apiKeyEnv && a.tlsVerify === b.tlsVerify && sameCheck(a.check, b.check);
}

function sameLabels(a: BackendConfig, b: BackendConfig): boolean {
  return a.priority === b.priority && a.zone === b.zone && a.tier === b.tier;
}

/** Settings are numbers, strings, booleans, null, or a flat table of strings (`generate_models`). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => (a as Record<string, unknown>)[k] === (b as Record<string, unknown>)[k]);
}

function sameSettings(a: Config, b: Config): boolean {
  const keys = <T extends object>(x: T): (keyof T)[] => Object.keys(x) as (keyof T)[];
  return keys(a.health).every((k) => a.health[k] === b.health[k]) && keys(a.top).every((k) => sameValue(a.top[k], b.top[k]));
}

export function diffFleets(before: Config, after: Config): FleetChange {
  const old = new Map(before.backends.map((b) => [b.name, b]));
  const next = new Map(after.backends.map((b) => [b.name, b]));
  const change: FleetChange = { added: [], removed: [], replaced: [], relabelled: [], settings: !sameSettings(before, after) };
  for (const b of after.backends) {
    const was = old.get(b.name);
    if (!was) change.added.push(b);
    else if (!sameEndpoint(was, b)) change.replaced.push(b);
    else if (!sameLabels(was, b)) change.relabelled.push(b);
  }
  for (const b of before.backends) if (!next.has(b.name)) change.removed.push(b.name);
  return change;
}

/** Nothing to apply. */
export function isEmptyChange(c: FleetChange): boolean {
  return !c.settings && c.added.length + c.removed.length + c.replaced.length + c.relabelled.length === 0;
}
