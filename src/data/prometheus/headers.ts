/**
 * Extra HTTP headers on every Prometheus request (--prometheus-header 'Name: value', repeatable), e.g. the tenant
 * header a Mimir/Cortex gateway needs (X-Scope-OrgID), or a gateway's credentials (Authorization, an API key).
 *
 * Which values are secrets (`headerSecrets`): every header's, except a tenant / org id header's (X-Scope-OrgID and the
 * like). A tenant id says whose data to read, not who may read it: Mimir/Cortex/Loki take it as given and it shows in
 * their own logs and URLs; hiding it would only hide what a "no org id" / "unknown tenant" message is about, and a
 * short one ("1", "team-a") would be starred wherever it stands in a message. Authorization, cookies, API keys and any
 * header MOrA does not know are credentials, and never reach output (for Authorization, the credentials after the
 * scheme and Basic's password as well).
 */
import { authorizationSecrets } from '../../core/redact';

/** Headers that name a tenant or organisation (multi-tenant Prometheus-compatible servers): not secrets. */
const TENANT_HEADER = /^x-(?:scope-orgid|grafana-org-id|org-?id|tenant-?id|tenant)$/i;

/** Whether a header's value is a secret (see the file's comment): all but tenant / org id headers. */
export function isSecretHeader(name: string): boolean {
  return !TENANT_HEADER.test(name.trim());
}

/** The values (and, for Authorization / Proxy-Authorization, their secret parts) to redact from messages and output. */
export function headerSecrets(headers: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!value || !isSecretHeader(name)) continue;
    if (/^(?:proxy-)?authorization$/i.test(name)) out.push(...authorizationSecrets(value));
    else out.push(value);
  }
  return out;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Parses 'Name: value' into [name, value]; throws an Error saying what is wrong. */
export function parseHeader(input: string): [string, string] {
  const i = input.indexOf(':');
  const name = i < 0 ? '' : input.slice(0, i).trim();
  if (i < 0 || !TOKEN.test(name)) throw new Error(`expected 'Name: value' (e.g. 'X-Scope-OrgID: team-a'), got a header without a valid name`);
  const value = input.slice(i + 1).trim();
  if (/[\r\n\0]/.test(value)) throw new Error(`the value of ${name} has a line break`);
  if (!value) throw new Error(`the value of ${name} is empty`);
  return [name, value];
}

/** The headers of several 'Name: value' strings (a later one of the same name replaces an earlier one). */
export function parseHeaders(inputs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of inputs) {
    const [k, v] = parseHeader(s);
    out[k] = v;
  }
  return out;
}
