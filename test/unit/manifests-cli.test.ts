/** `mora manifests scan|apply`: the JSON shape GitOps scripts read, exit codes, and files never half-written. */
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { mora } from './helpers/run-cli';

const FIXTURES = join(__dirname, '..', 'fixtures', 'manifests');


describe('mora manifests', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'mora-manifests-cli-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('scan --format json prints one object per container with the documented fields', async () => {
    const r = await mora(['manifests', 'scan', join(FIXTURES, 'batch.yaml'), '--format', 'json']);
    assert.equal(r.code, 0, r.err);
    const rows = (JSON.parse(r.out) as { containers: Record<string, unknown>[] }).containers;
    assert.deepEqual(rows[0], {
      file: join(FIXTURES, 'batch.yaml'), kind: 'CronJob', namespace: 'ops', name: 'nightly-report', container: 'report', line: 14, replicas: null,
      requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: null, memory: null },
    });
    assert.deepEqual(rows.map((x) => [x.kind, x.container, x.init ?? false]), [
      ['CronJob', 'report', false], ['Job', 'migrate', false], ['Pod', 'wait-for-db', true], ['Pod', 'shell', false]]);
    const lines = readFileSync(join(FIXTURES, 'batch.yaml'), 'utf8').split('\n');
    for (const x of rows) assert.match(lines[(x.line as number) - 1], new RegExp(`name: ${x.container}$`));
  });

  // Before, `scan -f json` was "unknown option '-f'" while recommend, backtest, forecast and health take -f for --format.
  it('scan takes -f as the short form of --format, as the other commands do', async () => {
    const long = await mora(['manifests', 'scan', join(FIXTURES, 'batch.yaml'), '--format', 'json']);
    const short = await mora(['manifests', 'scan', join(FIXTURES, 'batch.yaml'), '-f', 'json']);
    assert.equal(short.code, 0, short.err);
    assert.equal(short.out, long.out);
    const bad = await mora(['manifests', 'scan', join(FIXTURES, 'batch.yaml'), '-f', 'xml']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--format must be table or json, got "xml"/);
  });

  it('scan reports replicas as a number and namespace null when the document has none', async () => {
    const r = await mora(['manifests', 'scan', join(FIXTURES, 'irregular.yaml'), '--format', 'json']);
    const rows = (JSON.parse(r.out) as { containers: unknown[] }).containers as { name: string; namespace: string | null; replicas: number | null }[];
    assert.deepEqual(rows.map((x) => [x.name, x.namespace, x.replicas]), [
      ['node-agent', 'monitoring', null], ['node-agent', 'monitoring', null], ['node-agent', 'monitoring', null], ['legacy', null, 3]]);
  });

  it('apply prints the edited file to stdout and leaves the input alone', async () => {
    const file = join(FIXTURES, 'kompose.yaml');
    const before = readFileSync(file, 'utf8');
    const r = await mora(['manifests', 'apply', file, '--set', 'Deployment/rates/hotel-rates=cpu=150m', '--replicas', 'Deployment/rates=4']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, before.replace('              cpu: 100m', '              cpu: 150m').replace('  replicas: 1', '  replicas: 4'));
    assert.equal(readFileSync(file, 'utf8'), before);
  });

  it('apply --in-place rewrites the file (keeping its mode) and --out writes another one', async () => {
    const file = join(dir, 'shop.yaml');
    copyFileSync(join(FIXTURES, 'shop-namespace.yaml'), file);
    chmodSync(file, 0o600);
    const before = readFileSync(file, 'utf8');
    const out = join(dir, 'out.yaml');
    let r = await mora(['manifests', 'apply', file, '--set', 'Deployment/basket/basket=cpu=120m', '--out', out]);
    assert.equal(r.code, 0, r.err);
    assert.equal(readFileSync(out, 'utf8'), before.replace('cpu: 99m', 'cpu: 120m'));
    assert.equal(readFileSync(file, 'utf8'), before);
    r = await mora(['manifests', 'apply', file, '--set', 'Deployment/basket/basket=cpu=120m', '--in-place']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '');
    assert.equal(readFileSync(file, 'utf8'), before.replace('cpu: 99m', 'cpu: 120m'));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const mtime = statSync(file).mtimeMs;
    r = await mora(['manifests', 'apply', file, '--set', 'Deployment/basket/basket=cpu=0.12', '--in-place']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /already has these values/);
    assert.equal(statSync(file).mtimeMs, mtime, 'an apply that changes nothing does not rewrite the file');
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left behind');
  });

  it('exits 2 with one clear line for invalid YAML, Helm sources, missing targets and bad values; the file is untouched', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, readFileSync(join(FIXTURES, 'malformed.yaml')));
    const before = readFileSync(file, 'utf8');
    const cases: [string[], RegExp][] = [
      [['manifests', 'scan', file], /not valid YAML at line 11/],
      [['manifests', 'apply', file, '--set', 'Deployment/broken/app=cpu=1', '--in-place'], /not valid YAML at line 11/],
      [['manifests', 'scan', join(FIXTURES, 'helm-source.yaml')], /document at line 1 is a Helm\/Go template source \(\{\{ \}\} at line 6\)/],
      [['manifests', 'apply', join(FIXTURES, 'kompose.yaml'), '--set', 'Deployment/rates/nope=cpu=1'], /has no container named "nope"/],
      [['manifests', 'apply', join(FIXTURES, 'kompose.yaml'), '--set', 'Deployment/gone/x=cpu=1'], /no Deployment\/gone in this file/],
      [['manifests', 'apply', join(FIXTURES, 'kompose.yaml'), '--set', 'Deployment/rates/hotel-rates=cpu=lots'], /not a Kubernetes quantity/],
      [['manifests', 'apply', join(FIXTURES, 'kompose.yaml')], /nothing to change/],
      [['manifests', 'scan', join(dir, 'missing.yaml')], /no such file/],
      [['manifests', 'scan', join(FIXTURES, 'kompose.yaml'), '--format', 'xml'], /--format must be table or json/],
    ];
    for (const [args, message] of cases) {
      const r = await mora(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, message);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.equal(r.out, '');
    }
    assert.equal(readFileSync(file, 'utf8'), before);
  });

  it('apply refuses a request above its limit (exit 2, file untouched, naming both and how to set them), unless the same --set moves the limit', async () => {
    const file = join(dir, 'limited.yaml');
    const text = ['apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', 'spec:', '  template:', '    spec:', '      containers:',
      '      - name: app', '        resources:', '          requests: &r', '            cpu: 500m', '            memory: 64Mi', '          limits:',
      '            cpu: "1"', '            memory: 128Mi', '      - name: side', '        resources:', '          requests: &s {cpu: 50m}', '          limits: *s', ''].join('\n');
    writeFileSync(file, text);
    const refused: [string, RegExp][] = [
      ['Deployment/web/app=cpu=2', /Deployment\/web container "app": requests\.cpu 2 would be above limits\.cpu 1, which Kubernetes rejects; nothing was changed: raise the limit in the same change \(cpu=2,limits\.cpu=2\)/],
      ['Deployment/web/app=memory=1Gi', /requests\.memory 1Gi would be above limits\.memory 128Mi/],
      ['Deployment/web/app=limits.cpu=100m', /requests\.cpu 500m would be above limits\.cpu 100m.*lower the request in the same change \(cpu=100m,limits\.cpu=100m\)/],
    ];
    for (const [set, message] of refused) {
      const r = await mora(['manifests', 'apply', file, '--set', set, '--in-place']);
      assert.equal(r.code, 2, `${set}: ${r.err}`);
      assert.match(r.err, message);
      assert.equal(readFileSync(file, 'utf8'), text, `${set}: nothing written`);
    }
    for (const set of ['Deployment/web/app=cpu=2,limits.cpu=2', 'Deployment/web/app=cpu=800m',
      // `limits: *s` reads the requests' anchor: both set, each gets its own value.
      'Deployment/web/side=cpu=200m,limits.cpu=200m']) {
      const r = await mora(['manifests', 'apply', file, '--set', set]);
      assert.equal(r.code, 0, `${set}: ${r.err}`);
    }
  });

  it('reads standard input for "-" through the real bin/mora.js, for pipes', () => {
    const input = readFileSync(join(FIXTURES, 'kompose.yaml'), 'utf8');
    const bin = join(__dirname, '..', '..', 'bin', 'mora.js');
    const scan = spawnSync(process.execPath, [bin, 'manifests', 'scan', '-', '--format', 'json'], { input, encoding: 'utf8' });
    assert.equal(scan.status, 0, scan.stderr);
    assert.deepEqual((JSON.parse(scan.stdout) as { containers: { container: string }[] }).containers.map((x) => x.container), ['hotel-rates']);
    const apply = spawnSync(process.execPath, [bin, 'manifests', 'apply', '-', '--set', 'Deployment/rates/hotel-rates=cpu=300m'], { input, encoding: 'utf8' });
    assert.equal(apply.status, 0, apply.stderr);
    assert.equal(apply.stdout, input.replace('cpu: 100m', 'cpu: 300m'));
    const bad = spawnSync(process.execPath, [bin, 'manifests', 'scan', '-'], { input: 'a: [', encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^mora: -: not valid YAML at line 1/);
  });

  it('reads a document whose {{ }} sit in strings (rendered alerting templates) like any other, without a note', async () => {
    const file = join(dir, 'rendered.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: alerts\ndata:\n  rule: "{{ $labels.pod }} is down"\n---\n'
      + readFileSync(join(FIXTURES, 'kompose.yaml'), 'utf8'));
    const r = await mora(['manifests', 'scan', file, '--format', 'json']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    assert.deepEqual((JSON.parse(r.out) as { containers: { container: string }[] }).containers.map((x) => x.container), ['hotel-rates']);
  });

  it('skips, with a note naming the line, a document that parses but has {{ }} where MOrA reads (a quoted Helm value)', async () => {
    const file = join(dir, 'quoted-helm.yaml');
    writeFileSync(file, readFileSync(join(FIXTURES, 'kompose.yaml'), 'utf8').replace('cpu: 100m', 'cpu: "{{ .Values.cpu }}"'));
    const r = await mora(['manifests', 'scan', file, '--format', 'json']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /skipped the document at line 1: \{\{ \}\} in its names, replicas or resources \(\{\{ \}\} at line 32\)/);
    assert.deepEqual(JSON.parse(r.out), { containers: [], skipped: [] });
  });
});
