/**
 * Where a .jmx sends its requests. A plan allows load only to its services' targets (plan-file.ts checks each
 * `target`); a JMeter cell gets the target's host as the property `host`, so every HTTP sampler (and HTTP Request
 * Defaults) must take its server name from `${__P(host)}` — a sampler with its own host, another property or a
 * variable could send load anywhere. A path that is a full URL (JMeter then ignores the server name) is refused too.
 */

/** `${__P(host)}` or `${__P(host,default)}` (a default with escaped commas), nothing else around it. */
const HOST_PROPERTY = /^\$\{__P\(\s*host\s*(?:,(?:[^)\\]|\\.)*)?\)\}$/;
const PATH_PROPERTY = /^\$\{__P\(\s*path\s*(?:,(?:[^)\\]|\\.)*)?\)\}$/;

function xmlText(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n))).replace(/&amp;/g, '&');
}

/** What is wrong with the .jmx's request hosts, one line per sampler; empty when every one sends to `${__P(host)}`. */
export function jmxHostProblems(jmxText: string): string[] {
  const problems: string[] = [];
  // The element a property belongs to: the last opening tag with a testname before it (elementProp are its parts).
  const owners: Array<{ at: number; name: string }> = [];
  for (const m of jmxText.matchAll(/<(\w+)\s[^>]*?testname="([^"]*)"/g)) if (m[1] !== 'elementProp') owners.push({ at: m.index!, name: xmlText(m[2]) });
  const ownerAt = (at: number) => {
    let name = '(unnamed)';
    for (const o of owners) { if (o.at > at) break; name = o.name; }
    return name;
  };
  for (const m of jmxText.matchAll(/<stringProp\s+name="HTTPSampler\.(domain|path)"\s*(?:\/>|>([^<]*)<\/stringProp>)/g)) {
    const value = xmlText(m[2] ?? '').trim();
    const who = `sampler "${ownerAt(m.index!)}"`;
    if (m[1] === 'domain') {
      // Empty: the server name of HTTP Request Defaults (checked as its own element), else JMeter refuses the request.
      if (value && !HOST_PROPERTY.test(value)) problems.push(`${who} sends to "${value}" (its Server Name) instead of \${__P(host)}, the plan's target host`);
    } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && !PATH_PROPERTY.test(value)) {
      problems.push(`${who} has a full URL as its path ("${value.replace(/\?.*$/, '?…')}"), which JMeter sends to instead of \${__P(host)}`);
    }
  }
  return problems;
}

/** Throws when the .jmx can send load to a host the plan did not allow (see the module comment). */
export function checkJmxHosts(jmxText: string, jmxPath: string): void {
  const problems = jmxHostProblems(jmxText);
  if (problems.length) {
    throw new Error(`${jmxPath} can send load to a host the plan does not allow: ${problems.join('; ')} — give every HTTP sampler (and HTTP Request Defaults) the Server Name \${__P(host)}, as MOrA's template does (mora experiment jmx-template)`);
  }
}
