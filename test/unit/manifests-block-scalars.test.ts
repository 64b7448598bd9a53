/**
 * A CPU or memory amount written as a YAML block scalar (`cpu: >-` then `250m` on the next line). Before, `scan` showed
 * "-" for it (the amount was there, Kubernetes reads it) and `apply` refused with `"cpu" holds a block scalar, not a
 * quantity`, no line. Now the scan reads the block's string value, and apply rewrites a one-line `>-`/`|-` block in its
 * own style, or refuses that value naming its line and why (a block that keeps its line break, several lines).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { editManifest, ManifestEditError, parseChangeSpecs, scanManifest } from '../../src/manifests';
import { mora } from './helpers/run-cli';

const HEAD = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: b
spec:
  replicas: |-
    3
  template:
    spec:
      containers:
`;

const BLOCKS = `${HEAD}      - name: strip   # a comment
        command:
        - |
          echo hi
        resources:
          requests:
            cpu: |-  # a note
              250m
            memory: >-
              128Mi
          limits:
            memory: >
              1Gi
      - name: multi
        resources:
          requests:
            cpu: >-
              250
              m
      - name: plain
        resources:
          requests:
            cpu: 100m
`;

const set = (spec: string) => parseChangeSpecs({ set: [spec] });

describe('manifests: quantities written as block scalars', () => {
  it('scan reads a block scalar amount as its string value, the fast scanner and the yaml library alike', () => {
    const fast = scanManifest(BLOCKS);
    const thorough = scanManifest(BLOCKS, { mode: 'thorough' });
    assert.deepEqual(fast.containers, thorough.containers);
    const byName = new Map(fast.containers.map((c) => [c.container, c]));
    const strip = byName.get('strip')!;
    assert.equal(strip.requests.cpu?.value, '250m');
    assert.equal(strip.requests.cpu?.style, 'block');
    assert.equal(strip.requests.memory?.value, '128Mi');
    assert.equal(strip.limits.memory?.value, '1Gi\n', 'a `>` block keeps its line break: the value as YAML gives it');
    assert.equal(byName.get('multi')!.requests.cpu?.value, '250 m', 'folded lines, as YAML folds them');
    assert.equal(byName.get('plain')!.requests.cpu?.value, '100m');
    // The span covers the header and the content, where the hover goes.
    const span = strip.requests.cpu!.span;
    assert.equal(BLOCKS.slice(span.offset, span.offset + span.length).replace(/\s+/g, ' '), '|- # a note 250m');
    // replicas as a block is the string "3", not the number Kubernetes wants: read as absent, as before.
    assert.equal(strip.replicas, null);
  });

  it('a block scalar elsewhere (a script) still leaves the document to the fast scanner', () => {
    const text = `${HEAD}      - name: c
        command:
        - |
          echo hi
        resources:
          requests:
            cpu: 100m
`;
    assert.equal(scanManifest(text).documents[0].parsedBy, 'fast');
    assert.equal(scanManifest(BLOCKS).documents[0].parsedBy, 'yaml');
  });

  it('apply rewrites a one-line `|-`/`>-` block in its own style: header, note, indentation and line endings kept', () => {
    const out = editManifest(BLOCKS, set('Deployment/b/strip=cpu=300m,memory=256Mi')).text;
    assert.equal(out, BLOCKS.replace('              250m\n', '              300m\n').replace('              128Mi\n', '              256Mi\n'));
    const crlf = BLOCKS.replace(/\n/g, '\r\n');
    assert.equal(editManifest(crlf, set('Deployment/b/strip=cpu=0.3')).text, crlf.replace('              250m\r\n', '              0.3\r\n'));
    // The same amount however spelt: nothing to change.
    assert.equal(editManifest(BLOCKS, set('Deployment/b/strip=cpu=0.25')).text, BLOCKS);
    // Another container of the same file is edited as always.
    assert.equal(editManifest(BLOCKS, set('Deployment/b/plain=cpu=200m')).text, BLOCKS.replace('cpu: 100m', 'cpu: 200m'));
  });

  it('apply refuses a block that is not one amount on one line, naming its line and why; nothing is changed', () => {
    const refused = (spec: string, message: RegExp) => assert.throws(() => editManifest(BLOCKS, set(spec)),
      (e: unknown) => e instanceof ManifestEditError && message.test(e.message), spec);
    refused('Deployment/b/strip=limits.memory=2Gi',
      /^"memory" at line 22 is a block scalar \(>\) whose value keeps its line break \("1Gi\\n"\), which Kubernetes does not read as a quantity; nothing was changed: write it on the key's line, `memory: 2Gi`$/);
    refused('Deployment/b/multi=cpu=1', /^"cpu" at line 27 is a block scalar \(>-\) over 2 lines, not one amount; nothing was changed: write it on the key's line, `cpu: 1`$/);
    const indented = BLOCKS.replace('memory: >-\n              128Mi', 'memory: >2-\n               128Mi');
    assert.throws(() => editManifest(indented, set('Deployment/b/strip=memory=1Gi')), /"memory" at line 19 is a block scalar \(>2-\) whose value is not its one line as written \(" 128Mi"\)/);
  });

  // Before, the copy of `*c` was written as a block on the key's line, and the edit refused as "not valid YAML".
  it('an alias of a block scalar amount, written out for an edit, is the same string on one line', () => {
    const head = `${HEAD}      - name: a\n        resources:\n`;
    const text = `${head}          requests:\n            cpu: &c >-\n              250m\n          limits:\n            cpu: *c\n`;
    assert.equal(editManifest(text, set('Deployment/b/a=cpu=100m')).text,
      `${head}          requests:\n            cpu: &c >-\n              100m\n          limits:\n            cpu: 250m\n`);
    const other = `${head}          limits: &l\n            cpu: >-\n              250m\n      - name: b\n        resources: {limits: *l}\n`;
    assert.equal(editManifest(other, set('Deployment/b/b=limits.memory=1Gi')).text, other.replace('{limits: *l}', '{limits: {cpu: 250m, memory: 1Gi}}'));
  });

  it('mora manifests scan shows the amount and apply --in-place edits it (the reviewer\'s edge.yaml case)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mora-block-'));
    try {
      const file = join(dir, 'edge.yaml');
      const text = `${HEAD}      - name: longform\n        resources:\n          requests:\n            cpu: >-\n              250m\n`;
      writeFileSync(file, text);
      const scan = await mora(['manifests', 'scan', file, '-f', 'json']);
      assert.equal(scan.code, 0, scan.err);
      assert.equal((JSON.parse(scan.out) as { containers: Array<{ requests: { cpu: string } }> }).containers[0].requests.cpu, '250m');
      const r = await mora(['manifests', 'apply', file, '--set', 'Deployment/b/longform=cpu=300m', '--in-place']);
      assert.equal(r.code, 0, r.err);
      assert.equal(readFileSync(file, 'utf8'), text.replace('  250m\n', '  300m\n'));
      writeFileSync(file, text.replace('cpu: >-', 'cpu: >'));
      const bad = await mora(['manifests', 'apply', file, '--set', 'Deployment/b/longform=cpu=300m', '--in-place']);
      assert.equal(bad.code, 2);
      assert.match(bad.err, /edge\.yaml: "cpu" at line 14 is a block scalar \(>\) whose value keeps its line break/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
