import { CHECK_PLACEHOLDERS } from './types.js';

export type Placeholder = (typeof CHECK_PLACEHOLDERS)[number];
export type PlaceholderValues = Record<Placeholder, string>;

const PLACEHOLDER = /\$\{([^}]*)\}/g;

/**
 * What is wrong with the placeholders of one argument, or undefined: every `${…}` must be one of
 * CHECK_PLACEHOLDERS, and a `${` must be closed.
 */
export function placeholderProblem(arg: string): string | undefined {
  for (const match of arg.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (!(CHECK_PLACEHOLDERS as readonly string[]).includes(name)) {
      const shown = JSON.stringify(name.length > 40 ? `${name.slice(0, 39)}…` : name);
      return `unknown placeholder \${${shown.slice(1, -1)}}; known: ${CHECK_PLACEHOLDERS.map((p) => `\${${p}}`).join(', ')}`;
    }
  }
  if (arg.replace(PLACEHOLDER, '').includes('${')) return 'unfinished placeholder (a "${" without its "}")';
  return undefined;
}

export function hasPlaceholder(arg: string): boolean {
  return arg.replace(PLACEHOLDER, '') !== arg;
}

/**
 * Each argument with its placeholders replaced. An argument stays one argument whatever a value holds
 * (spaces, quotes, `;`): there is no shell to split or interpret it. Assumes validated arguments.
 */
export function substitute(argv: readonly string[], values: PlaceholderValues): string[] {
  return argv.map((arg) => (arg.includes('${') ? arg.replace(PLACEHOLDER, (whole, name: string) => (Object.hasOwn(values, name) ? values[name as Placeholder] : whole)) : arg));
}

/** Host and port a backend's URL points at (the port its scheme implies when none is written). */
export function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  // `[::1]` is how a URL writes an IPv6 address; sockets and tools want it bare.
  const host = u.hostname.startsWith('[') && u.hostname.endsWith(']') ? u.hostname.slice(1, -1) : u.hostname;
  const port = u.port !== '' ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  return { host, port };
}
