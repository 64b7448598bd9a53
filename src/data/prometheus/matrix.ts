/**
 * A lean reader for Prometheus' range-query answers (`resultType: matrix`): samples go straight into typed arrays
 * (16 bytes a sample) instead of JSON.parse's array-and-string per sample (about 100 bytes), so a batched plan's
 * large responses cost a few MB of memory each, not tens. Label sets and the envelope (status, warnings) are still
 * parsed by JSON.parse; anything the scanner does not expect falls back to JSON.parse of the whole text.
 */
import type { ApiBody } from './client';

export interface CompactSeries {
  metric: Record<string, string>;
  t: Float64Array;
  v: Float64Array;
}

const QUOTE = 34; // "
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const COMMA = 44;

function parseValue(s: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

/** Index just past the JSON object that starts at `i` (a `{`), minding strings and escapes; -1 when unterminated. */
function objectEnd(text: string, i: number): number {
  let depth = 0;
  let inString = false;
  for (let k = i; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (inString) {
      if (c === BACKSLASH) k++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE) depth++;
    else if (c === CLOSE_BRACE && --depth === 0) return k + 1;
  }
  return -1;
}

class Unexpected extends Error {}

/**
 * Parses a query_range answer. A matrix comes back with `data.result` as CompactSeries[]; any other answer (an error,
 * a vector, a format this scanner does not know) as JSON.parse gives it. Throws SyntaxError on text that is not JSON.
 */
export function parseRangeAnswer(text: string): ApiBody {
  const head = text.indexOf('"result":[');
  if (head < 0 || !/^\s*\{\s*"status"\s*:\s*"success"/.test(text) || !text.slice(0, head).includes('"resultType":"matrix"')) return JSON.parse(text) as ApiBody;
  try {
    const series: CompactSeries[] = [];
    let i = head + '"result":['.length;
    const expect = (s: string) => {
      if (!text.startsWith(s, i)) throw new Unexpected(s);
      i += s.length;
    };
    if (text.charCodeAt(i) !== CLOSE_BRACKET) {
      for (;;) {
        expect('{"metric":');
        const end = objectEnd(text, i);
        if (end < 0) throw new Unexpected('metric');
        const metric = JSON.parse(text.slice(i, end)) as Record<string, string>;
        i = end;
        expect(',"values":[');
        const t: number[] = [];
        const v: number[] = [];
        if (text.charCodeAt(i) !== CLOSE_BRACKET) {
          for (;;) {
            if (text.charCodeAt(i) !== OPEN_BRACKET) throw new Unexpected('[');
            const comma = text.indexOf(',', i + 1);
            t.push(Number(text.slice(i + 1, comma)));
            if (text.charCodeAt(comma + 1) !== QUOTE) throw new Unexpected('"');
            const close = text.indexOf('"', comma + 2);
            v.push(parseValue(text.slice(comma + 2, close)));
            if (text.charCodeAt(close + 1) !== CLOSE_BRACKET) throw new Unexpected(']');
            i = close + 2;
            const c = text.charCodeAt(i);
            if (c === COMMA) i++;
            else if (c === CLOSE_BRACKET) break;
            else throw new Unexpected(',');
          }
        }
        i++; // ]
        // Native histograms or fields added later: not for this scanner.
        if (text.charCodeAt(i) !== CLOSE_BRACE) throw new Unexpected('}');
        i++;
        const tt = Float64Array.from(t);
        if (tt.some(Number.isNaN)) throw new Unexpected('timestamp');
        series.push({ metric, t: tt, v: Float64Array.from(v) });
        const c = text.charCodeAt(i);
        if (c === COMMA) i++;
        else if (c === CLOSE_BRACKET) break;
        else throw new Unexpected(',');
      }
    }
    // The envelope without the samples: status, resultType, warnings — whatever else the server sent.
    const envelope = JSON.parse(`${text.slice(0, head)}"result":[]${text.slice(i + 1)}`) as ApiBody;
    if (!envelope.data) throw new Unexpected('data');
    envelope.data.result = series;
    return envelope;
  } catch (e) {
    if (e instanceof Unexpected) return JSON.parse(text) as ApiBody;
    throw e;
  }
}
