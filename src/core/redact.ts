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

/** Below this length a secret is replaced only where it stands alone, not inside a word. */
const SHORT_SECRET = 8;

/**
 * Each secret replaced by `***` (longest first), nothing else touched. A short secret (a test token "t", a 4-letter
 * password) is replaced only where no letter or digit touches it — as a server echoes it ("Bearer t") — so it cannot
 * turn every word of the message into asterisks.
 */
export function replaceSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  const list = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length > 0))].sort((a, b) => b.length - a.length);
  for (const s of list) {
    if (!out.includes(s)) continue;
    out = s.length >= SHORT_SECRET
      ? out.split(s).join('***')
      : out.replace(new RegExp(`(?<![A-Za-z0-9])${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9])`, 'g'), '***');
  }
  return out;
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
