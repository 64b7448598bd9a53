import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../harness/temp-dir';
import { explainScan } from '../../src/cli/commands/manifest-read';
import { mora } from './helpers/run-cli';

// A Helm source that still parses: `{{ }}` in a quoted label value is allowed (MOrA does not read labels), the one in
// spec.replicas is why the document is skipped; the note must name that one's line, not the label's.
const source = [
  'apiVersion: apps/v1', //                              1
  'kind: Deployment', //                                 2
  'metadata:', //                                        3
  '  name: web', //                                      4
  '  labels:', //                                        5
  '    release: "{{ .Release.Name }}"', //               6  allowed
  'spec:', //                                            7
  '  replicas: {{ .Values.replicas }}', //               8  the offending one
  '  template:', //                                      9
  '    spec:', //                                       10
  '      containers:', //                               11
  '      - name: web', //                               12
  '        image: "web:{{ .Chart.AppVersion }}"', //    13  allowed
  '        resources:', //                              14
  '          requests:', //                             15
  '            cpu: "{{ .Values.cpu }}"', //            16  offending too, later
  '',
].join('\n');

describe('a skipped Helm template document: the note names the {{ }} MOrA reads, not the first one', () => {
  it('explainScan names the replicas line, not the quoted label', () => {
    const { notes } = explainScan('web.yaml', source);
    assert.deepEqual(notes, ['skipped the document at line 1: {{ }} in its names, replicas or resources ({{ }} at line 8) (a template source: render it first)']);
  });

  it('mora manifests scan says the same on stderr', async () => {
    const file = join(tempDir('mora-template-line-'), 'web.yaml');
    writeFileSync(file, source);
    const r = await mora(['manifests', 'scan', file]);
    assert.match(r.err, /\(\{\{ \}\} at line 8\)/, r.err);
    assert.doesNotMatch(r.err, /at line 6\)/);
  });
});
