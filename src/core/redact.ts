/**
 * Keeping secrets out of messages, logs and files: one place for every caller (experiment, health, recommend, the
 * Prometheus and Kubernetes clients).
 *
 * - `stripUserinfo(url)`: a URL without its `user:password@` — what MOrA prints or stores for any URL it was given.
 * - `redactSecrets(text, secrets)`: every known secret, and the userinfo of every URL in the text, removed.
 * - `clip(text, max)`: shortening for one-line messages. Always redact *before* clipping: a secret cut in half by
 *   truncation no longer matches, and its first part would leak.
 */

/** `scheme://user:password@host…` anywhere in a text: the userinfo part (no `/`, `@` or whitespace before the `@`). */
const USERINFO_IN_TEXT = /\b([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s]*@/gi;

/** The URL without `user:password@` (and the text unchanged when it is not a URL, apart from any userinfo in it). */
export function stripUserinfo(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url.replace(USERINFO_IN_TEXT, '$1');
  }
  if (!u.username && !u.password) return url;
  u.username = '';
  u.password = '';
  return u.toString();
}

/**
 * Replaces each secret by `***` and strips the userinfo of every URL in the text. Longer secrets first, so a secret
 * that contains another is replaced whole.
 */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  return replaceSecrets(text.replace(USERINFO_IN_TEXT, '$1'), secrets);
}

/**
 * From this length a secret is replaced wherever it appears, inside words too; below it only where it stands in a
 * place a credential is written (shortSecretSpots). Why 6: MOrA's messages are made of URLs, hosts, IPs, ports,
 * numbers and English words, and 1–5 characters collide with them ("a", "1" in 127.0.0.1, a password "9090" with the
 * port, "tcp", "check") — replacing them everywhere turned "127.0.0.1:9090" into "127.0.0.***:***". A value of 6+
 * characters appears in such a one-line message only if it is itself a common word or number, and then hiding the
 * word is the safe failure (less readable, never a leak). A lower minimum would mangle; a higher one would leave more
 * (6–7 character) passwords hidden only where they stand in a known spot.
 */
export const PLAIN_SECRET_MIN = 6;

/**
 * From this length a shorter secret is also replaced wherever it stands as a word of its own (no letter or digit
 * touching it), as a server echoes it: `invalid API key 'k3y9Z'`, `admin:pw12`, `header rejected: Zq9x`. A value of 3–5
 * characters is a real credential often enough (a PIN, a test key) that a leak in an echoed error is worse than a
 * mangled word; below 3 (`a`, `1`, `ab`) a word match would hit articles, IPs and counts everywhere, and such a value
 * guards nothing, so it is hidden only in the known spots.
 */
export const WORD_SECRET_MIN = 3;

/** A name that says its value is a credential: `token`, `password`, `api_key`, `X-Api-Key`, `client_secret`, `sig`, `auth`… */
const CREDENTIAL_KEY = String.raw`[A-Za-z0-9_.-]*(?:token|secret|pass(?:word|wd)?|pwd|key|auth[A-Za-z]*|sig(?:nature)?|credentials?)[A-Za-z0-9_.-]*`;
/** After a value: not a character that would make it part of a longer value (a sentence's `.`, `,` or `)` may follow). */
const VALUE_END = String.raw`(?![A-Za-z0-9_~+/%-]|[.=:@][A-Za-z0-9])`;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The known places a credential is written, for a short secret `s`: `scheme://user:s@` (either part, raw or
 * percent-encoded), `Bearer s` / `Basic s` / `Token s`, and the value after a credential's name — `?token=s`,
 * `password: s`, `"api_key": "s"`, `X-Api-Key: s`, `password "s"`. Only the value, and only when it is `s` whole.
 */
function replaceShortSecret(text: string, s: string): string {
  const forms = [...new Set([s, encodeURIComponent(s)])].map(escapeRegExp).join('|');
  const value = `(?:${forms})${VALUE_END}`;
  let out = text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^/?#@\s]*)@/gi, (_all, scheme: string, info: string) => {
    const parts = info.split(':').map((part) => {
      let decoded = part;
      try { decoded = decodeURIComponent(part); } catch { /* not percent-encoded */ }
      return part === s || decoded === s ? '***' : part;
    });
    return `${scheme}${parts.join(':')}@`;
  });
  out = out.replace(new RegExp(`(\\b(?:Bearer|Basic|Token|Digest)\\s+["']?)${value}`, 'gi'), '$1***');
  // key=value, key: value, "key": "value", key='value' (query strings, headers, JSON, logs)
  out = out.replace(new RegExp(`((?<![A-Za-z0-9])${CREDENTIAL_KEY}["']?\\s*[:=]\\s*["']?)${value}`, 'gi'), '$1***');
  // a value after a credential's name and a space: "password a", "token \"t\"" (not "credentials are …": only these words)
  out = out.replace(new RegExp(`((?<![A-Za-z0-9])(?:password|passwd|token|secret)\\s+["']?)${value}`, 'gi'), '$1***');
  return out;
}

/**
 * Each secret replaced by `***` (longest first), nothing else touched. A secret of PLAIN_SECRET_MIN or more characters
 * is replaced wherever it appears; a shorter one in the known places a credential is written (replaceShortSecret) and,
 * from WORD_SECRET_MIN characters, wherever it stands as a word of its own; a 1–2 character one (a test token "t", a
 * password "a" or "ab") only in the known places, so that "a" or "1" cannot turn the message's words and addresses into
 * asterisks — and is still hidden there.
 */
export function replaceSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  const list = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length > 0))].sort((a, b) => b.length - a.length);
  for (const s of list) {
    if (!out.includes(s) && !out.includes(encodeURIComponent(s))) continue;
    if (s.length >= PLAIN_SECRET_MIN) {
      out = out.split(s).join('***');
      continue;
    }
    out = replaceShortSecret(out, s);
    if (s.length >= WORD_SECRET_MIN) out = out.replace(new RegExp(`(?<![A-Za-z0-9])${escapeRegExp(s)}(?![A-Za-z0-9])`, 'g'), '***');
  }
  return out;
}

/**
 * Keys of a JSON document whose string values are free text a server may have written into — error reasons and
 * messages, warnings, hints, URLs — and so may echo a secret. Everything else (names, namespaces, keys, numbers,
 * outcomes) is structure MOrA built from what it listed, and is never rewritten.
 */
const FREE_TEXT_KEY = /(?:reason|message|error|detail|hint|warning|note|cause|url)s?$/i;

/**
 * A JSON value with each secret replaced (`replaceSecrets`) in its free-text strings only: the string values under a
 * key FREE_TEXT_KEY matches (at any depth below it). Numbers, booleans, keys and every other string stay as they were,
 * so the result is the same document, still valid JSON once stringified, whatever the secrets are ("1", a namespace).
 */
export function redactFreeText<T>(value: T, secrets: ReadonlyArray<string | undefined>): T {
  if (!secrets.some((s) => typeof s === 'string' && s.length > 0)) return value;
  const walk = (v: unknown, free: boolean): unknown => {
    if (typeof v === 'string') return free ? replaceSecrets(v, secrets) : v;
    if (Array.isArray(v)) return v.map((x) => walk(x, free));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, free || FREE_TEXT_KEY.test(k))]));
    return v;
  };
  return walk(value, false) as T;
}

/**
 * A command's output with the secrets out of it: a JSON document (as `JSON.stringify(x, null, 2)`, with its trailing
 * newline) through `redactFreeText`, printed the same way; any other text is free text, through `replaceSecrets`.
 */
export function redactOutput(text: string, secrets: ReadonlyArray<string | undefined>): string {
  if (!secrets.some((s) => typeof s === 'string' && s.length > 0)) return text;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return replaceSecrets(text, secrets);
  }
  if (doc === null || typeof doc !== 'object') return replaceSecrets(text, secrets);
  return `${JSON.stringify(redactFreeText(doc, secrets), null, 2)}${text.endsWith('\n') ? '\n' : ''}`;
}

/** `key=value` / `"key": "value"` where the key names a credential (access_token, client_secret, password, api_key …). */
const CREDENTIAL_FIELD = /((?:^|[^A-Za-z0-9])[A-Za-z_-]*(?:token|secret|password|passwd|api[_-]?key|access[_-]?key)["']?\s*[:=]\s*["']?)([^\s"',;}&]+)/gi;
/** A JSON Web Token (OIDC ID and access tokens, service account tokens): three base64url parts, the first `{"`. */
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
/** `aws eks get-token`'s token. */
const EKS_TOKEN = /\bk8s-aws-v1\.[A-Za-z0-9_-]+/g;
/** `Bearer <credentials>` / `Basic <credentials>`. */
const AUTH_SCHEME = /\b(Bearer|Basic)(\s+)([A-Za-z0-9._~+/=-]+)/gi;

/**
 * Credentials in free text MOrA did not write and whose secrets it may not know — an exec credential plugin's stderr:
 * a `Bearer`/`Basic` value, a JWT, an EKS token, the value of a `token=`/`client_secret:`/`password=` field, each
 * replaced by `***`. A word after Bearer/Basic counts only when it looks like a credential (a digit or 20+ characters),
 * so "Bearer authentication failed" stays.
 */
export function redactCredentialText(text: string): string {
  return text
    .replace(JWT, '***')
    .replace(EKS_TOKEN, '***')
    .replace(AUTH_SCHEME, (all, scheme: string, space: string, value: string) => (/\d/.test(value) || value.length >= 20) && value !== '***' ? `${scheme}${space}***` : all)
    .replace(CREDENTIAL_FIELD, (all, key: string, value: string) => value === '***' ? all : `${key}***`);
}

/** At most `max` characters, with `…` when cut. Only ever applied to text that is already redacted. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text;
}

/** Redacts, then collapses whitespace, then clips: the one order that never leaks part of a secret. */
export function redactAndClip(text: string, secrets: ReadonlyArray<string | undefined>, max: number): string {
  return clip(redactSecrets(text, secrets).replace(/\s+/g, ' ').trim(), max);
}

/**
 * The secret parts of an HTTP Authorization header value, as a server may echo them: the whole value, the credentials
 * after the scheme, and for Basic the decoded `user:password` and the password alone.
 */
export function authorizationSecrets(header: string | undefined): string[] {
  const value = header?.trim();
  if (!value) return [];
  const m = /^(\S+)\s+(\S.*)$/.exec(value);
  if (!m) return [value];
  const [, scheme, credentials] = m;
  const out = [value, credentials];
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) {
      out.push(decoded);
      if (colon < decoded.length - 1) out.push(decoded.slice(colon + 1));
    }
  }
  return out;
}
