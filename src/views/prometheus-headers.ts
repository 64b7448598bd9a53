/**
 * The extension's Prometheus query options, editor-free (tested in plain Node):
 * - extra headers per URL origin (e.g. X-Scope-OrgID for a Mimir/Cortex tenant), kept in the secret store as tokens are
 *   (src/views/prometheus-tokens.ts): their values may be tenant ids or credentials, so never in settings, and sent only
 *   to the origin they were set for;
 * - mora.prometheus.matchers, checked by the CLI's parser (--prometheus-matchers);
 * and how both become ClusterDataSourceOptions.
 */
import { parseHeaders } from '../data/prometheus/headers';
import { parseMatchers } from '../data/prometheus/matchers';
import { urlOrigin, type SecretsLike } from './prometheus-tokens';

export const MATCHERS_SETTING = 'mora.prometheus.matchers';

/** The secret key of the headers of `url`'s origin. */
export function headersSecretKey(url: string): string | undefined {
  const o = urlOrigin(url);
  return o ? `mora.prometheus.headers:${o}` : undefined;
}

/**
 * Headers typed in one line: 'Name: value' entries separated by ';' or line breaks ('X-Scope-OrgID: team-a;
 * X-Extra: 1'); '' for none. A ';' inside a value is written '\;' (a Cookie: 'Cookie: a=1\; b=2'), a backslash before
 * a ';' or another backslash '\\'; any other backslash is kept as typed. Throws an Error naming what is wrong, never a
 * value.
 */
export function parseHeaderInput(text: string): Record<string, string> {
  const entries: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && (text[i + 1] === ';' || text[i + 1] === '\\')) cur += text[++i];
    else if (c === ';' || c === '\r' || c === '\n') { entries.push(cur); cur = ''; }
    else cur += c;
  }
  entries.push(cur);
  const list = entries.map((s) => s.trim()).filter(Boolean);
  list.forEach((entry, k) => {
    // An entry after the first that is no header is most likely the rest of a value cut at its own ';' (a Cookie).
    if (k > 0 && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*:/.test(entry)) {
      throw new Error(`expected 'Name: value' entries separated by ';', got entry ${k + 1} without a header name — a ';' inside a value is written '\\;' (e.g. Cookie: a=1\\; b=2)`);
    }
  });
  return parseHeaders(list);
}

/** Stores the headers of `url`'s origin (none: removed). */
export async function setHeaders(secrets: SecretsLike, url: string, headers: Record<string, string>): Promise<void> {
  const key = headersSecretKey(url);
  if (!key) throw new Error(`"${url}" is not a URL: no headers stored`);
  if (Object.keys(headers).length === 0) await secrets.delete(key);
  else await secrets.store(key, JSON.stringify(headers));
}

/** Each configured origin's headers (those with some). A stored value that is not a header map is skipped. */
export async function readHeaders(secrets: SecretsLike, urls: readonly string[]): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for (const u of urls) {
    const key = headersSecretKey(u);
    const raw = key ? await secrets.get(key) : undefined;
    if (!raw) continue;
    try {
      const h = JSON.parse(raw) as unknown;
      if (h && typeof h === 'object' && !Array.isArray(h) && Object.values(h).every((v) => typeof v === 'string')) out.set(urlOrigin(u)!, h as Record<string, string>);
    } catch {
      // Not written by setHeaders: ignored.
    }
  }
  return out;
}

/** ClusterDataSourceOptions.prometheusHeadersFor: a URL's origin's headers, none for any other URL. */
export function headersForOrigin(headers: ReadonlyMap<string, Record<string, string>>): (url: string) => Record<string, string> | undefined {
  return (url) => {
    const o = urlOrigin(url);
    return o ? headers.get(o) : undefined;
  };
}

/**
 * mora.prometheus.matchers as ClusterDataSourceOptions.prometheusMatchers: '' or unset → undefined; a valid list →
 * normalized. One that is not label matchers is reported through `warn` and kept as it is, so every Prometheus read
 * fails with the parser's message — reading every cluster of the Prometheus instead would mix them silently.
 */
export function matchersFromSetting(value: unknown, warn: (message: string) => void): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (!text.trim()) return undefined;
  try {
    return parseMatchers(text) || undefined;
  } catch (e) {
    warn(`${MATCHERS_SETTING}: ${(e as Error).message} — Prometheus is not read until it is fixed (one cluster of several would be mixed with the others)`);
    return text;
  }
}

/** The Prometheus query options of the extension's data sources (tree, Recommend, Show Forecast, Health Check). */
export interface PrometheusQuerySettings {
  prometheusMatchers?: string;
  prometheusHeadersFor: (url: string) => Record<string, string> | undefined;
}

/** Settings and secret store → ClusterDataSourceOptions' prometheusMatchers and prometheusHeadersFor. */
export async function prometheusQuerySettings(matchersSetting: unknown, secrets: SecretsLike, urls: readonly string[], warn: (message: string) => void): Promise<PrometheusQuerySettings> {
  return {
    prometheusMatchers: matchersFromSetting(matchersSetting, warn),
    prometheusHeadersFor: headersForOrigin(await readHeaders(secrets, urls)),
  };
}
