import type { BackendView, FleetSnapshot } from '../store/types.js';
import { cleanText, truncate } from '../text/sanitize.js';
import { EXIT, exitCodeFor } from './exit-code.js';

/**
 * `--check`: one line in the monitoring-plugins format (Nagios, Icinga, Naemon, Sensu, Zabbix's
 * plugin support), and the exit code the plugin returns:
 *
 *   NEXUS-TOP WARNING - 4/5 healthy, 1 unhealthy (gpu3: timeout) | healthy=4;;;0;5 unhealthy=1;;;0;5 … latency_gpu1=0.023s;;;0;5
 *
 * The code is exitCodeFor's (the same as `--once`): OK 0, WARNING 1, CRITICAL 2; UNKNOWN 3 is for a
 * check that could not run (checkUnknown). Perfdata follows the plugin guidelines
 * (https://www.monitoring-plugins.org/doc/guidelines.html#AEN201): `'label'=value[UOM];[warn];[crit];[min];[max]`.
 */

export interface CheckResult {
  /** One line, no newline at the end. */
  line: string;
  code: number;
}

export interface CheckOptions {
  /** The probe timeout (`config.health.timeoutMs`): the max of each latency in the perfdata. */
  timeoutMs?: number;
  /** Backends named in the text before `+N more` (default 3). */
  maxListed?: number;
  /** The longest line, bytes (default 4096); per-backend perfdata past it is left out, whole items only. */
  maxBytes?: number;
}

export const CHECK_PREFIX = 'NEXUS-TOP';

/** The plugin state word of an exit code. */
export function stateWord(code: number): 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN' {
  switch (code) {
    case EXIT.ok:
      return 'OK';
    case EXIT.warning:
      return 'WARNING';
    case EXIT.critical:
      return 'CRITICAL';
    default:
      return 'UNKNOWN';
  }
}

/** A name fit for the text part: no control characters, no `|` (it starts the perfdata), bounded. */
function textName(name: string): string {
  return cleanText(name, 40).replace(/\|/g, '/');
}

/**
 * A perfdata label: `=` and `'` are not allowed in one (the guidelines), `|` would end the text part;
 * quoted when it holds a space. Bounded, since RRD-based tools keep only the first 19 characters anyway.
 */
function perfLabel(label: string): string {
  const safe = cleanText(label, 60).replace(/['=|]/g, '_');
  return /\s/.test(safe) ? `'${safe}'` : safe;
}

/** Seconds with enough precision for loopback latencies, no exponent, no trailing zeros. */
function seconds(ms: number): string {
  return (ms / 1000).toFixed(6).replace(/\.?0+$/, '') || '0';
}

/** Why a backend that is not healthy is not, in a word or two. */
function why(b: BackendView): string {
  // `generate http`: the model list answers, completions fail (the generation check).
  if (b.health === 'unhealthy' && b.lastError) return b.lastError.stage ? `${b.lastError.stage} ${b.lastError.kind}` : b.lastError.kind;
  if (b.health === 'loading') return 'loading';
  if (b.health === 'unknown') return 'not checked';
  return b.health;
}

interface Group {
  label: string;
  members: BackendView[];
  /** What follows each name: `gpu3: timeout`; none: the name alone. */
  detail?: (b: BackendView) => string;
}

/** `N what (a: x, b: y, +2 more)`, naming at most `budget.left` backends across all groups. */
function groupText(group: Group, budget: { left: number }): string | undefined {
  const n = group.members.length;
  if (n === 0) return undefined;
  const head = `${n} ${group.label}`;
  if (budget.left <= 0) return head;
  const named = group.members.slice(0, budget.left);
  budget.left -= named.length;
  const items = named.map((b) => (group.detail ? `${textName(b.name)}: ${group.detail(b)}` : textName(b.name)));
  if (n > named.length) items.push(`+${n - named.length} more`);
  return `${head} (${items.join(', ')})`;
}

/**
 * The `--check` line for a snapshot (taken after every backend was probed once, as `--once` does).
 * Pure: the same snapshot gives the same line.
 */
export function checkResult(snapshot: FleetSnapshot, options: CheckOptions = {}): CheckResult {
  const code = exitCodeFor(snapshot);
  const maxListed = Math.max(0, options.maxListed ?? 3);
  const maxBytes = options.maxBytes ?? 4096;
  const s = snapshot.summary;
  const watched = snapshot.backends.filter((b) => !b.drained);

  const budget = { left: maxListed };
  const groups: Group[] = [
    { label: 'unhealthy', members: watched.filter((b) => b.health === 'unhealthy'), detail: why },
    { label: 'loading', members: watched.filter((b) => b.health === 'loading') },
    { label: 'unknown', members: watched.filter((b) => b.health === 'unknown') },
    { label: 'flapping', members: watched.filter((b) => b.flapping) },
  ];
  const parts = [`${s.healthy}/${s.total} healthy`];
  for (const g of groups) {
    const text = groupText(g, budget);
    if (text) parts.push(text);
  }
  if (s.draining > 0) parts.push(`${s.draining} draining`);
  const text = `${CHECK_PREFIX} ${stateWord(code)} - ${parts.join(', ')}`;

  const total = s.total;
  const perf = (['healthy', 'unhealthy', 'loading', 'unknown', 'draining', 'flapping'] as const).map((k) => `${k}=${s[k]};;;0;${total}`);
  const max = options.timeoutMs !== undefined && options.timeoutMs > 0 ? seconds(options.timeoutMs) : '';
  let line = `${text} | ${perf.join(' ')}`;
  const used = new Set<string>();
  for (const b of snapshot.backends) {
    let label = perfLabel(`latency_${b.name}`);
    // Two names that only differed by characters a label cannot carry get distinct labels.
    for (let i = 2; used.has(label); i++) label = perfLabel(`latency_${b.name}-${i}`);
    used.add(label);
    // `U`: undetermined (never answered yet); a stale value is still the last one measured.
    const value = b.latencyEmaMs === null ? 'U' : `${seconds(b.latencyEmaMs)}s`;
    const item = ` ${label}=${value};;;0${max ? `;${max}` : ''}`;
    if (Buffer.byteLength(line + item) > maxBytes) break;
    line += item;
  }
  // The text part alone could only pass the limit with absurd options; never cut a perfdata item.
  return { line: Buffer.byteLength(line) > maxBytes ? truncate(text, maxBytes) : line, code };
}

/** The line of a check that could not run (config or usage error): UNKNOWN, exit 3. */
export function checkUnknown(message: string): CheckResult {
  return { line: `${CHECK_PREFIX} UNKNOWN - ${cleanText(message).replace(/\|/g, '/')}`, code: EXIT.usage };
}
