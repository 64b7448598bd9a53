/**
 * The "only what was asked changed" guard (src/manifests/semantics.ts) reads the edited file as Kubernetes does: an
 * amount written as an ordinary decimal or exponent (`2.0`, `0.50`, `.5`, `2e9`) is read by YAML as a number (2, 0.5,
 * 2000000000), which is the amount asked for, not an unasked change.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { editManifest, parseChangeSpecs } from '../../src/manifests';
import { checkOnlyAsked } from '../../src/manifests/semantics';
import { webDeployment } from './helpers/manifest-fixtures';
import { mora } from './helpers/run-cli';

const deployment = (limits: string[]): string => webDeployment('web', ['cpu: 250m', 'memory: 256Mi'], limits);

const original = deployment(['cpu: 1', 'memory: 1Gi']);

describe('manifests: decimal and exponent quantities', () => {
  for (const [spec, line] of [
    ['limits.cpu=2.0', 'cpu: 2.0'], ['limits.cpu=0.50', 'cpu: 0.50'], ['limits.cpu=.5', 'cpu: .5'],
    ['limits.memory=2e9', 'memory: 2e9'], ['cpu=0.10', 'cpu: 0.10'],
  ] as const) {
    it(`--set ${spec} on an unquoted value is written as given`, () => {
      const { text } = editManifest(original, parseChangeSpecs({ set: [`Deployment/web/web=${spec}`] }));
      const [key] = line.split(':');
      const lines = original.split('\n');
      const at = lines.findIndex((l, i) => i > lines.indexOf(spec.startsWith('limits.') ? '            limits:' : '            requests:') && l.startsWith(`              ${key}:`));
      lines[at] = `              ${line}`;
      const expected = lines.join('\n');
      assert.notEqual(expected, original);
      assert.equal(text, expected);
    });
  }

  it('the guard still refuses a different amount, and a changed non-resource number, that no change asked for', () => {
    const asked = parseChangeSpecs({ set: ['Deployment/web/web=limits.cpu=2.0'] });
    const edited = original.replace('              cpu: 1\n', '              cpu: 2.0\n');
    assert.doesNotThrow(() => checkOnlyAsked(original, edited, asked));
    assert.throws(() => checkOnlyAsked(original, edited.replace('memory: 1Gi', 'memory: 1.5Gi'), asked), /resources\.limits\.memory/);
    assert.throws(() => checkOnlyAsked(original, edited.replace('cpu: 250m', 'cpu: 0.26'), asked), /resources\.requests\.cpu/);
    // Equal as quantities but not a resource amount: replicas 2 → 2.0 is still a change to spec.replicas.
    assert.throws(() => checkOnlyAsked(original, edited.replace('replicas: 2', 'replicas: "2.0"'), asked), /spec\.replicas/);
  });

  it('mora manifests apply --set limits.cpu=2.0 exits 0 and writes 2.0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mora-decimal-'));
    try {
      const file = join(dir, 'multi.yaml');
      writeFileSync(file, original);
      const r = await mora(['manifests', 'apply', file, '--set', 'deploy/web/web=limits.cpu=2.0', '--in-place']);
      assert.equal(r.code, 0, r.err);
      assert.match(readFileSync(file, 'utf8'), /limits:\n {14}cpu: 2\.0\n/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
