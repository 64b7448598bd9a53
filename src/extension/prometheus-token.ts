/**
 * The editor side of per-origin Prometheus tokens (src/views/prometheus-tokens.ts) and headers
 * (src/views/prometheus-headers.ts): what createSource passes as prometheusAuthFor, prometheusHeadersFor and
 * prometheusMatchers, and Set Prometheus Token's / Headers' "which URL is it for?" when several are configured.
 */
import * as vscode from 'vscode';
import type { PrometheusAuth } from '../data/prometheus/client';
import { LEGACY_TOKEN_SECRET, authForOrigin, configuredUrls, migrateLegacyToken, readTokens, setToken, urlOrigin } from '../views/prometheus-tokens';
import { parseHeaders } from '../data/prometheus/headers';
import { parseHeaderInput, prometheusQuerySettings, setHeaders, type PrometheusQuerySettings } from '../views/prometheus-headers';
import type { Log } from './log';

/** mora.prometheus.url and mora.prometheus.urls' values, one per origin. */
export function prometheusUrlsFromSettings(): string[] {
  const cfg = vscode.workspace.getConfiguration('mora');
  const urls = Object.fromEntries(Object.entries(cfg.get<Record<string, unknown>>('prometheus.urls', {}) ?? {})
    .filter((e): e is [string, string] => typeof e[1] === 'string' && Boolean(e[1].trim())));
  return configuredUrls(cfg.get<string>('prometheus.url', '').trim() || undefined, urls);
}

/**
 * ClusterDataSourceOptions.prometheusAuthFor for the configured URLs: each origin's own token, none for any other URL.
 * Moves a token stored before tokens were per URL (once; a notice when several URLs are configured).
 */
export async function prometheusAuthFor(secrets: vscode.SecretStorage, log: Log, urls = prometheusUrlsFromSettings()): Promise<(url: string) => PrometheusAuth | undefined> {
  const migrated = await migrateLegacyToken(secrets, urls);
  if (migrated.movedTo) log.info(`The Prometheus token set before is now kept for ${migrated.movedTo} only.`);
  if (migrated.notice) void vscode.window.showInformationMessage(migrated.notice);
  return authForOrigin(await readTokens(secrets, urls));
}

/**
 * Set Prometheus Token: for which URL (asked when several are configured; `url` skips the question), then the token
 * (`token` skips the input box; '' removes it). Returns the origin set, or undefined when dismissed.
 */
export async function setPrometheusToken(secrets: vscode.SecretStorage, token?: string, url?: string): Promise<{ origin: string; token: string } | undefined> {
  const urls = prometheusUrlsFromSettings();
  let target = url;
  if (target === undefined) {
    if (urls.length === 0 && token === '') {
      // Nothing configured to remove a token for: the one stored before tokens were per URL goes.
      await secrets.delete(LEGACY_TOKEN_SECRET);
      return { origin: '', token: '' };
    }
    if (urls.length === 0) throw new Error('Set mora.prometheus.url (or mora.prometheus.urls) first: a token is kept for one Prometheus URL and sent only there.');
    if (urls.length === 1) target = urls[0];
    else {
      const pick = await vscode.window.showQuickPick(urls.map((u) => ({ label: urlOrigin(u) ?? u, description: u, url: u })), { title: 'MOrA: which Prometheus is the token for?' });
      if (!pick) return undefined;
      target = pick.url;
    }
  }
  const origin = urlOrigin(target);
  if (!origin) throw new Error(`"${target}" is not a URL`);
  const value = token ?? await vscode.window.showInputBox({ title: `MOrA: Prometheus bearer token for ${origin}`, prompt: 'Stored in VS Code\'s secret storage, never in settings, and sent only to this origin. Empty removes it.', password: true });
  if (value === undefined) return undefined;
  await setToken(secrets, target, value);
  return { origin, token: value };
}

/**
 * ClusterDataSourceOptions' prometheusMatchers (mora.prometheus.matchers, checked as --prometheus-matchers: an invalid
 * list is said in the MOrA output and a warning) and prometheusHeadersFor (each configured origin's headers from the
 * secret store, none for any other URL).
 */
export async function prometheusQuerySettingsFor(secrets: vscode.SecretStorage, log: Log, urls = prometheusUrlsFromSettings()): Promise<PrometheusQuerySettings> {
  return prometheusQuerySettings(vscode.workspace.getConfiguration('mora').get<unknown>('prometheus.matchers'), secrets, urls, (message) => {
    log.warn(message);
    void vscode.window.showWarningMessage(`MOrA: ${message}`);
  });
}

/** Which configured Prometheus URL (asked when several are; `url` skips the question); undefined when dismissed. */
async function pickPrometheusUrl(what: string, url?: string): Promise<string | undefined> {
  if (url !== undefined) return url;
  const urls = prometheusUrlsFromSettings();
  if (urls.length === 0) throw new Error(`Set mora.prometheus.url (or mora.prometheus.urls) first: ${what} are kept for one Prometheus URL and sent only there.`);
  if (urls.length === 1) return urls[0];
  const pick = await vscode.window.showQuickPick(urls.map((u) => ({ label: urlOrigin(u) ?? u, description: u, url: u })), { title: `MOrA: which Prometheus are the ${what} for?` });
  return pick?.url;
}

/**
 * Set Prometheus Headers: for which URL (as Set Prometheus Token), then the headers, 'Name: value' separated by ';', a
 * ';' inside a value written '\;' (parseHeaderInput; `headers` — a string or 'Name: value' strings — skips the input
 * box; '' or [] removes them). Returns the origin and the header names set, or undefined when dismissed. Values go to
 * the secret store only, never to a log.
 */
export async function setPrometheusHeaders(secrets: vscode.SecretStorage, headers?: string | readonly string[], url?: string): Promise<{ origin: string; names: string[] } | undefined> {
  const target = await pickPrometheusUrl('headers', url);
  if (target === undefined) return undefined;
  const origin = urlOrigin(target);
  if (!origin) throw new Error(`"${target}" is not a URL`);
  const text = headers ?? await vscode.window.showInputBox({
    title: `MOrA: extra headers on every request to the Prometheus at ${origin}`,
    prompt: '\'Name: value\', several separated by \';\'; a \';\' inside a value is written \'\\;\' (e.g. X-Scope-OrgID: team-a; Cookie: a=1\\; b=2). Stored in VS Code\'s secret storage, never in settings, and sent only to this origin. Empty removes them.',
    placeHolder: 'X-Scope-OrgID: team-a',
    password: true,
    validateInput: (v) => { try { parseHeaderInput(v); return undefined; } catch (e) { return (e as Error).message; } },
  });
  if (text === undefined) return undefined;
  const parsed = typeof text === 'string' ? parseHeaderInput(text) : parseHeaders(text);
  await setHeaders(secrets, target, parsed);
  return { origin, names: Object.keys(parsed) };
}
