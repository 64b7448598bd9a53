/**
 * The fast scanner must never misread YAML: on randomly damaged manifests (seeded), wherever the `yaml` library
 * reads a document the fast path reports exactly what the library reports, where the library finds an error the
 * fast path finds no container, and nothing ever throws.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/core/random';
import { scanManifest } from '../../src/manifests';
import { generateManifest } from '../fixtures/manifests/generate';

const FIXTURES = join(__dirname, '..', 'fixtures', 'manifests');

const PIECES = [' ', '  ', '\t', '-', '- ', ':', ': ', '#', ' #', '"', "'", '{', '}', '[', ']', ',', '|', '>', '&a ', '*a', '!', '?', '\n', '\r\n', '---\n', '...\n', '{{ x }}', 'a: b', '\n  ', '\n    x: 1'];

function damage(text: string, rng: Rng): string {
  let out = text;
  const edits = 1 + Math.floor(rng.next() * 3);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rng.next() * out.length);
    const r = rng.next();
    if (r < 0.4) out = out.slice(0, at) + PIECES[Math.floor(rng.next() * PIECES.length)] + out.slice(at);
    else if (r < 0.7) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(rng.next() * 3));
    else {
      // shift one line's indentation
      const ls = out.lastIndexOf('\n', at) + 1;
      out = rng.next() < 0.5 ? `${out.slice(0, ls)} ${out.slice(ls)}` : out.slice(0, ls) + out.slice(ls).replace(/^ /, '');
    }
  }
  return out;
}

describe('manifests: fast scanner vs yaml library on damaged input', function () {
  this.timeout(120_000); // 400 documents through the yaml library: slow on a busy 2-core machine
  it('agrees with the yaml library on every document, readable or not, and never throws', () => {
    const sources = [
      ...readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).map((f) => readFileSync(join(FIXTURES, f), 'utf8')),
      generateManifest(5, 200).text,
    ];
    const rng = new Rng(42);
    let compared = 0;
    for (let round = 0; round < 400; round++) {
      const text = damage(sources[round % sources.length], rng);
      const fast = scanManifest(text);
      const thorough = scanManifest(text, { mode: 'thorough' });
      assert.equal(fast.documents.length, thorough.documents.length);
      fast.documents.forEach((d, i) => {
        const t = thorough.documents[i];
        if (t.status === 'invalid' || t.status === 'template') {
          // malformed YAML and templates get no lens: the fast path must not find containers there either
          assert.deepEqual(fast.containers.filter((c) => c.document === i), [], `round ${round} document ${i} (${t.error})`);
          return;
        }
        // the library read it: the fast path (or its fallback) must have read the same thing
        assert.notEqual(d.status, 'invalid', `round ${round} document ${i}`);
        assert.deepEqual([d.kind, d.name, d.namespace, d.apiVersion], [t.kind, t.name, t.namespace, t.apiVersion], `round ${round} document ${i}`);
        assert.deepEqual(fast.containers.filter((c) => c.document === i), thorough.containers.filter((c) => c.document === i),
          `round ${round} document ${i}:\n${text.slice(d.offset, d.offset + d.length)}`);
        compared++;
      });
    }
    assert.ok(compared > 400, `only ${compared} documents compared`);
  });
});
