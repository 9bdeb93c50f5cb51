/**
 * Tokens that travel in URLs (invite codes, reset and share links) are as good
 * as the thing they open, so no log line may carry them. One rule list says
 * where they sit; `redactUrl()` applies it to one URL and `redactUrlsInText()`
 * to every URL-looking run of a finished log line (messages, error stacks).
 */

export type UrlTokenRule =
  /** the value of this query parameter (any case, percent-encoded names too) */
  | { readonly query: string }
  /** the path segment after this one: `/reset/<token>` */
  | { readonly after: string };

export const URL_TOKEN_RULES: readonly UrlTokenRule[] = [
  { query: 'invite' }, // /register?invite=<code>, the link an admin shares
  { query: 'token' }, // reset and share links given as ?token=
  { query: 'code' },
  { after: 'reset' }, // /reset/<token>
  { after: 'share' }, // /share/<token>
  { after: 'invites' }, // POST /invites/<code>/revoke
];

export const REDACTED = '[redacted]';

const QUERY_NAMES = new Set(URL_TOKEN_RULES.flatMap((rule) => ('query' in rule ? [rule.query] : [])));
const PATH_SEGMENTS = new Set(URL_TOKEN_RULES.flatMap((rule) => ('after' in rule ? [rule.after] : [])));

/** A percent-decoded, lower-cased name or segment; malformed encoding is compared as it is. */
function normalized(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

function redactPath(path: string): string {
  const segments = path.split('/');
  for (let i = 0; i < segments.length - 1; i++) {
    if (PATH_SEGMENTS.has(normalized(segments[i]!)) && segments[i + 1] !== '') segments[i + 1] = REDACTED;
  }
  return segments.join('/');
}

function redactQuery(query: string): string {
  return query
    .split(/([&;])/)
    .map((field) => {
      if (field === '&' || field === ';') return field;
      const eq = field.indexOf('=');
      const name = eq === -1 ? field : field.slice(0, eq);
      return QUERY_NAMES.has(normalized(name)) ? `${name}=${REDACTED}` : field;
    })
    .join('');
}

/** The URL with every token the rules name replaced by `[redacted]`; anything else unchanged. */
export function redactUrl(url: string): string {
  const hash = url.indexOf('#');
  const withoutHash = hash === -1 ? url : url.slice(0, hash);
  const q = withoutHash.indexOf('?');
  const path = q === -1 ? withoutHash : withoutHash.slice(0, q);
  let out = redactPath(path);
  if (q !== -1) out += `?${redactQuery(withoutHash.slice(q + 1))}`;
  // A fragment never reaches the server, but a logged link may carry one.
  if (hash !== -1) out += `#${redactQuery(url.slice(hash + 1))}`;
  return out;
}

/**
 * A run of URL characters starting at a `/` (a path, or the `//host/…` of an
 * absolute URL). It stops at whitespace, quotes and backslashes, so applied to
 * a JSON line it never touches an escape sequence and the line stays valid JSON.
 */
const URL_RUN = /\/[^\s"'\\<>`]*/g;

/** Every URL in a piece of text (a serialized log line), redacted by the rules. */
export function redactUrlsInText(text: string): string {
  return text.replace(URL_RUN, (run) => {
    // Cheap test first: most runs (file paths in stacks, routes without tokens) carry no rule's name.
    return /[?&;#]|\/[^/]*\//.test(run) ? redactUrl(run) : run;
  });
}
