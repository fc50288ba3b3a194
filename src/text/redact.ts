const SECRET_QUERY_KEYS = /(key|token|secret|pass|auth|sig|credential)/i;

/** A URL fit to show: password removed, secret-looking query values masked. Unparseable input is shown as `<invalid url>`. */
export function displayUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '<invalid url>';
  }
  if (url.password) url.password = '';
  for (const key of [...url.searchParams.keys()]) {
    if (SECRET_QUERY_KEYS.test(key)) url.searchParams.set(key, '***');
  }
  // `user:password@host` written without a scheme parses as scheme `user:` and the path `password@host`:
  // no authority, so nothing above removed the password. Mask everything up to the last `@` of the path.
  // (An opaque path cannot be assigned to: the text is rebuilt.)
  const at = url.pathname.lastIndexOf('@');
  if (url.host === '' && at >= 0) return `${url.protocol}***${url.pathname.slice(at)}${url.search}${url.hash}`;
  let text = url.toString();
  // new URL('http://h:1') serialises as 'http://h:1/'; keep what the user wrote.
  if (!raw.endsWith('/') && url.pathname === '/' && !url.search && !url.hash) text = text.slice(0, -1);
  return text;
}

/** Shortest piece of a secret that is masked on its own (a secret this long or longer). */
const FRAGMENT = 8;
/** Pieces are looked for in texts up to this long: what is shown (messages, model ids), not whole bodies. */
const FRAGMENT_SCAN_MAX = 4096;

/**
 * Replace every occurrence of each known secret (API keys, URL passwords) in a message. In a short text
 * (a message, a model id) any run of text made of pieces of a secret, FRAGMENT characters or more, is
 * masked too: a server that echoes part of a key, or places it where a length cut keeps most of it
 * (`…sk-live-SECRET…`), must not get that part shown either.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out.length <= FRAGMENT_SCAN_MAX ? redactFragments(out, secrets) : out;
}

function redactFragments(text: string, secrets: readonly string[]): string {
  const pieces = new Set<string>();
  for (const secret of secrets) {
    for (let i = 0; i + FRAGMENT <= secret.length; i++) pieces.add(secret.slice(i, i + FRAGMENT));
  }
  if (pieces.size === 0 || text.length < FRAGMENT) return text;
  // Mark every character covered by a piece; each covered run becomes one `***`.
  const covered = new Uint8Array(text.length);
  let any = false;
  for (let i = 0; i + FRAGMENT <= text.length; i++) {
    if (pieces.has(text.slice(i, i + FRAGMENT))) {
      covered.fill(1, i, i + FRAGMENT);
      any = true;
    }
  }
  if (!any) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (!covered[i]) out += text[i];
    else if (i === 0 || !covered[i - 1]) out += '***';
  }
  return out;
}
