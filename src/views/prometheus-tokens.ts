/**
 * Prometheus bearer tokens per URL origin (scheme://host:port), so a token set for one cluster's Prometheus is sent
 * only there — never to another context's URL in mora.prometheus.urls. Editor-free: the secret store is anything with
 * get/store/delete (VS Code's SecretStorage).
 */
import type { PrometheusAuth } from '../data/prometheus/client';

/** The single secret every URL used before tokens were per origin. */
export const LEGACY_TOKEN_SECRET = 'mora.prometheus.token';

export interface SecretsLike {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

/** scheme://host:port of a URL; undefined for text that is no URL. */
export function urlOrigin(url: string): string | undefined {
  try {
    const o = new URL(url.trim()).origin;
    return o === 'null' ? undefined : o;
  } catch {
    return undefined;
  }
}

/** The secret key of the token for `url`'s origin. */
export function tokenSecretKey(url: string): string | undefined {
  const o = urlOrigin(url);
  return o ? `${LEGACY_TOKEN_SECRET}:${o}` : undefined;
}

/** The configured Prometheus URLs (mora.prometheus.url, then mora.prometheus.urls' values), one per origin, in order. */
export function configuredUrls(url: string | undefined, urls: Record<string, string> | undefined): string[] {
  const out: string[] = [];
  const origins = new Set<string>();
  for (const u of [url, ...Object.values(urls ?? {})]) {
    const o = u ? urlOrigin(u) : undefined;
    if (!u || !o || origins.has(o)) continue;
    origins.add(o);
    out.push(u.trim());
  }
  return out;
}

/** Each configured origin's token (those with one). */
export async function readTokens(secrets: SecretsLike, urls: readonly string[]): Promise<Map<string, string>> {
  const tokens = new Map<string, string>();
  for (const u of urls) {
    const key = tokenSecretKey(u);
    const t = key ? await secrets.get(key) : undefined;
    if (t) tokens.set(urlOrigin(u)!, t);
  }
  return tokens;
}

/** ClusterDataSourceOptions.prometheusAuthFor: a URL's origin's token, none for any other URL. */
export function authForOrigin(tokens: ReadonlyMap<string, string>): (url: string) => PrometheusAuth | undefined {
  return (url) => {
    const o = urlOrigin(url);
    const t = o ? tokens.get(o) : undefined;
    return t ? { bearerToken: t } : undefined;
  };
}

/**
 * A token stored before tokens were per origin (one key for every URL) moves to a URL's key: the one URL when one is
 * configured; with several, the first (mora.prometheus.url, else the first of mora.prometheus.urls) — then the returned
 * notice says so, once (the old key is gone after). No URL configured: it stays until one is. A URL that already has
 * its own token keeps it.
 */
export async function migrateLegacyToken(secrets: SecretsLike, urls: readonly string[]): Promise<{ movedTo?: string; notice?: string }> {
  const legacy = await secrets.get(LEGACY_TOKEN_SECRET);
  if (!legacy || !urls.length) return {};
  const key = tokenSecretKey(urls[0])!;
  if (!(await secrets.get(key))) await secrets.store(key, legacy);
  await secrets.delete(LEGACY_TOKEN_SECRET);
  const origin = urlOrigin(urls[0])!;
  if (urls.length === 1) return { movedTo: origin };
  return {
    movedTo: origin,
    notice: `MOrA: Prometheus tokens are now kept per URL. Your token is kept for ${origin} only; the other Prometheus URLs (${urls.slice(1).map((u) => urlOrigin(u)).join(', ')}) get none until you set theirs with "MOrA: Set Prometheus Token".`,
  };
}

/** Stores ('' removes) the token of `url`'s origin. */
export async function setToken(secrets: SecretsLike, url: string, token: string): Promise<void> {
  const key = tokenSecretKey(url);
  if (!key) throw new Error(`"${url}" is not a URL: no token stored`);
  if (token === '') await secrets.delete(key);
  else await secrets.store(key, token);
}
