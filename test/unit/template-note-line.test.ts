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

// A Helm source that does not parse: a quoted label (allowed) and a quoted image come first, the `{{- toYaml }}` under
// resources is where YAML breaks. The refusal must name that line, not the label's.
const broken = [
  '# Copyright the chart authors', //                   1
  'apiVersion: apps/v1', //                              2
  'kind: Deployment', //                                 3
  'metadata:', //                                        4
  '  name: web', //                                      5
  '  labels:', //                                        6
  '    release: "{{ .Release.Name }}"', //               7  read past
  'spec:', //                                            8
  '  template:', //                                      9
  '    spec:', //                                       10
  '      containers:', //                               11
  '      - name: web', //                               12
  '        image: "web:{{ .Chart.AppVersion }}"', //    13  read past
  '        resources:', //                              14
  '          {{- toYaml .Values.resources | nindent 12 }}', // 15  where YAML breaks
  '',
].join('\n');

describe('a Helm template document that does not parse: the refusal names the {{ }} where YAML breaks', () => {
  it('explainScan names line 15, not the quoted label on line 7', () => {
    assert.throws(() => explainScan('web.yaml', broken), (e: Error) => {
      assert.equal(e.message, 'web.yaml: document at line 1 is a Helm/Go template source ({{ }} at line 15), not YAML; render it first (helm template …)');
      return true;
    });
  });

  it('a {{ }} after a line break on a CRLF file and in a later document still names its own line', () => {
    const text = `apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: c\r\n---\r\n${broken.replace(/\n/g, '\r\n')}`;
    assert.throws(() => explainScan('web.yaml', text), /document at line 5 is a Helm\/Go template source \(\{\{ \}\} at line 20\)/);
  });

  it('YAML broken before the first {{ }} says so with the parser\'s line, not a {{ }} after it', () => {
    const tab = broken.replace('  name: web\n', '  name: web\n\tteam: a\n');
    assert.throws(() => explainScan('web.yaml', tab), (e: Error) => {
      assert.match(e.message, /^web\.yaml: document at line 1 is a Helm\/Go template source, not YAML even before its first \{\{ \}\} \(line 6: Tabs are not allowed as indentation\); fix that line, then render it/);
      return true;
    });
  });

  it('mora manifests scan and apply say the same on stderr, exit 2', async () => {
    const file = join(tempDir('mora-template-broken-'), 'web.yaml');
    writeFileSync(file, broken);
    for (const args of [['manifests', 'scan', file], ['manifests', 'apply', file, '--set', 'Deployment/web/web=cpu=1', '--in-place']]) {
      const r = await mora(args);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /\(\{\{ \}\} at line 15\), not YAML/, r.err);
    }
  });
});
