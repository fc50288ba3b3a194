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
  let text = url.toString();
  // new URL('http://h:1') serialises as 'http://h:1/'; keep what the user wrote.
  if (!raw.endsWith('/') && url.pathname === '/' && !url.search && !url.hash) text = text.slice(0, -1);
  return text;
}

/** Replace every occurrence of each known secret (API keys, URL passwords) in a message. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}
