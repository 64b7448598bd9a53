/**
 * Extra HTTP headers on every Prometheus request (--prometheus-header 'Name: value', repeatable), e.g. the tenant
 * header a Mimir/Cortex gateway needs (X-Scope-OrgID). Their values are treated as secrets: redacted from every
 * message, as tokens are.
 */

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
