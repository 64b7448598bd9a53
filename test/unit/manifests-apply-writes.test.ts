/**
 * `mora manifests apply … --in-place` and the files it may not write: a read-only file is refused, not renamed over,
 * and a folder apply is all-or-nothing: every target file is checked before the first is written, and a write that
 * fails midway restores the files already written.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mora } from './helpers/run-cli';

const DEPLOYMENT = (name: string, cpu: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  template:
    spec:
      containers:
        - name: ${name}
          resources:
            requests:
              cpu: ${cpu}
`;

describe('mora manifests apply --in-place: files it may not write', () => {
  let dir: string;
  const at = (...p: string[]) => join(dir, ...p);
  const write = (rel: string, body: string) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), body);
  };
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mora-apply-writes-')); });
  afterEach(() => {
    for (const d of ['', 'a', 'b']) try { chmodSync(at(d), 0o755); } catch { /* gone */ }
    rmSync(dir, { recursive: true, force: true });
  });

  it('a read-only (0444) file is refused with its name, exit 2, and left as it was (root too)', async () => {
    write('ro.yaml', DEPLOYMENT('web', '100m'));
    chmodSync(at('ro.yaml'), 0o444);
    const r = await mora(['manifests', 'apply', at('ro.yaml'), '--set', 'deploy/web/web=cpu=300m', '--in-place']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /ro\.yaml: cannot write: the file is read-only/);
    assert.equal(readFileSync(at('ro.yaml'), 'utf8'), DEPLOYMENT('web', '100m'));
    // --out to a read-only file is refused the same way
    write('out.yaml', 'old\n');
    chmodSync(at('out.yaml'), 0o444);
    write('src.yaml', DEPLOYMENT('web', '100m'));
    const o = await mora(['manifests', 'apply', at('src.yaml'), '--set', 'deploy/web/web=cpu=300m', '--out', at('out.yaml')]);
    assert.equal(o.code, 2, o.err);
    assert.equal(readFileSync(at('out.yaml'), 'utf8'), 'old\n');
  });
});
