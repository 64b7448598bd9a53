/**
 * `mora manifests scan|apply <file|dir>...`: a GitOps folder read whole. scan names bad files, skips them and says so
 * in its exit code; apply edits the one file holding each target, and refuses (writing nothing) a target in two files.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mora } from './helpers/run-cli';
import { deploymentWithCpu } from './helpers/manifest-fixtures';

const FIXTURES = join(__dirname, '..', 'fixtures', 'manifests');

interface Row { file: string; kind: string; name: string; container: string; line: number; requests: { cpu: string | null } }
interface Skip { file: string; reason: string; error: boolean }

const DEPLOYMENT = deploymentWithCpu;

const JSON_POD = JSON.stringify({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'probe' },
  spec: { containers: [{ name: 'probe', image: 'busybox', resources: { requests: { cpu: '50m' } } }] },
}, null, 2) + '\n';

describe('mora manifests scan on folders', () => {
  let root: string;
  const at = (...p: string[]) => join(root, ...p);
  const write = (rel: string, body: string | Buffer) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), body);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'mora-scan-folders-'));
    write('k8s/base/web.yaml', DEPLOYMENT('web', '100m'));
    write('k8s/base/config.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: "1"\n'); // no workload
    write('k8s/overlays/prod/api.yml', DEPLOYMENT('api', '200m'));
    write('k8s/overlays/prod/probe.json', JSON_POD);
    write('k8s/chart/templates/deployment.yaml', readFileSync(join(FIXTURES, 'helm-source.yaml')));
    write('k8s/README.md', '# not a manifest\n');
    write('k8s/notes.txt', 'kind: Deployment\n');
    write('k8s/.hidden/secret.yaml', DEPLOYMENT('hidden', '1'));
    write('k8s/node_modules/pkg/x.yaml', DEPLOYMENT('dependency', '1'));
    write('k8s/._web.yaml', Buffer.from([0, 5, 22, 7, 0, 2, 0, 0, 0xff])); // macOS AppleDouble beside a file
    symlinkSync('..', at('k8s', 'base', 'up')); // a loop: k8s/base/up → k8s
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('finds every container below a folder in name order, naming each file; skips a Helm source without failing', async () => {
    const r = await mora(['manifests', 'scan', at('k8s'), '--format', 'json']);
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out) as { containers: Row[]; skipped: Skip[] };
    assert.deepEqual(out.containers.map((c) => [c.file, c.kind, c.name, c.container, c.line, c.requests.cpu]), [
      [at('k8s/base/web.yaml'), 'Deployment', 'web', 'web', 9, '100m'],
      [at('k8s/overlays/prod/api.yml'), 'Deployment', 'api', 'api', 9, '200m'],
      [at('k8s/overlays/prod/probe.json'), 'Pod', 'probe', 'probe', 10, '50m'],
    ]);
    assert.deepEqual(out.skipped.map((s) => [s.file, s.error]), [[at('k8s/chart/templates/deployment.yaml'), false]]);
    assert.match(out.skipped[0].reason, /Helm\/Go template source .*render it first/);
    assert.match(r.err, /^mora: skipped file .*deployment\.yaml: document at line 1 is a Helm\/Go template source/m);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
  });

  it('notes a container found in two files (a base and its overlay\'s patch), which apply on the folder would refuse, without failing', async () => {
    write('k8s/overlays/prod/web-patch.yaml', DEPLOYMENT('web', '300m'));
    const r = await mora(['manifests', 'scan', at('k8s'), '--format', 'json']);
    assert.equal(r.code, 0, r.err);
    const notes = r.err.split('\n').filter((l) => l.startsWith('mora: note:'));
    assert.equal(notes.length, 1, r.err);
    assert.match(notes[0], /Deployment\/web\/web is in 2 files: .*k8s\/base\/web\.yaml, .*k8s\/overlays\/prod\/web-patch\.yaml .*apply on this folder refuses it/);
    assert.equal((JSON.parse(r.out) as { containers: Row[] }).containers.filter((c) => c.name === 'web').length, 2, 'both rows are still listed');
  });

  // Exit 4 (partial), no longer 2: the rows printed are good, and a script must tell that from a usage error (which prints nothing).
  it('names files that are not YAML or not UTF-8, still scans the others, and exits 4 (partial)', async () => {
    write('k8s/base/broken.yaml', readFileSync(join(FIXTURES, 'malformed.yaml')));
    write('k8s/overlays/latin1.yaml', Buffer.concat([Buffer.from(DEPLOYMENT('cafe', '1')), Buffer.from('# caf\xe9\n', 'latin1')]));
    const r = await mora(['manifests', 'scan', at('k8s'), '--format', 'json']);
    assert.equal(r.code, 4);
    const out = JSON.parse(r.out) as { containers: Row[]; skipped: Skip[] };
    assert.deepEqual(out.containers.map((c) => c.name), ['web', 'api', 'probe']);
    assert.deepEqual(out.skipped.map((s) => [s.file, s.error]), [
      [at('k8s/base/broken.yaml'), true],
      [at('k8s/chart/templates/deployment.yaml'), false],
      [at('k8s/overlays/latin1.yaml'), true],
    ]);
    assert.match(out.skipped[0].reason, /^not valid YAML at line 11/);
    assert.match(out.skipped[2].reason, /^not UTF-8 text: byte 0xE9 at line 13/);
    const lines = r.err.trim().split('\n');
    assert.equal(lines.length, 4, r.err);
    assert.match(lines[0], /^mora: skipped file .*broken\.yaml: not valid YAML at line 11/);
    // The whole sentence: what was done with the other files (it stopped at "the others were").
    assert.match(lines[3], /^mora: 2 of 7 files could not be scanned \(named above\); the other 4 were scanned and printed \(1 Helm template source skipped, not an error\)$/);
  });

  it('says no other file was scanned when every file is broken', async () => {
    const only = mkdtempSync(join(tmpdir(), 'mora-scan-broken-'));
    try {
      writeFileSync(join(only, 'a.yaml'), 'a: [\n');
      writeFileSync(join(only, 'b.yaml'), 'b: {\n');
      const r = await mora(['manifests', 'scan', only, '--format', 'json']);
      assert.equal(r.code, 2);
      assert.equal(r.out, '', 'nothing scanned: an input error, stdout empty');
      assert.match(r.err, /^mora: 2 of 2 files could not be scanned \(named above\); no other file was scanned$/m);
    } finally {
      rmSync(only, { recursive: true, force: true });
    }
  });

  it('prints a table with a FILE column, paths as given, for several paths', async () => {
    const r = await mora(['manifests', 'scan', at('k8s', 'overlays'), at('k8s', 'base', 'web.yaml')]);
    assert.equal(r.code, 0, r.err);
    const rows = r.out.trimEnd().split('\n').map((l) => l.split(/\s+/));
    assert.deepEqual(rows.map((x) => [x[0], x[1], x[3]]), [
      ['FILE', 'KIND', 'NAME'],
      [at('k8s/overlays/prod/api.yml'), 'Deployment', 'api'],
      [at('k8s/overlays/prod/probe.json'), 'Pod', 'probe'],
      [at('k8s/base/web.yaml'), 'Deployment', 'web'],
    ]);
  });

  it('reads a file reached twice (overlapping paths, a link) once, and a file named on the command line whatever its extension', async () => {
    symlinkSync(at('k8s', 'base', 'web.yaml'), at('k8s', 'overlays', 'web-link.yaml'));
    const r = await mora(['manifests', 'scan', at('k8s', 'base'), at('k8s', 'base', 'web.yaml'), at('k8s', 'overlays'), at('k8s', 'notes.txt'), '--format', 'json']);
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out) as { containers: Row[]; skipped: Skip[] };
    assert.deepEqual(out.containers.map((c) => c.file), [at('k8s/base/web.yaml'), at('k8s/overlays/prod/api.yml'), at('k8s/overlays/prod/probe.json')]);
    assert.deepEqual(out.skipped, []);
  });

  it('refuses, exit 2, a path that does not exist and a folder with no manifest files', async () => {
    let r = await mora(['manifests', 'scan', at('k8s'), at('nope')]);
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    assert.match(r.err, /nope: no such file or directory/);
    mkdirSync(at('empty', '.git'), { recursive: true });
    writeFileSync(at('empty', '.git', 'config.yaml'), 'a: 1\n');
    r = await mora(['manifests', 'scan', at('empty')]);
    assert.equal(r.code, 2);
    assert.match(r.err, /empty: no \.yaml, \.yml or \.json files/);
  });

  // One file's JSON was a bare array, several paths' an object: `scan $(git diff --name-only)` broke when one file changed.
  it('prints one file\'s JSON in the shape of several paths\' (an object, the file on each row); its error stays the command\'s', async () => {
    const r = await mora(['manifests', 'scan', at('k8s', 'base', 'web.yaml'), '--format', 'json']);
    assert.equal(r.code, 0, r.err);
    const many = await mora(['manifests', 'scan', at('k8s', 'base', 'web.yaml'), at('k8s', 'overlays', 'prod', 'api.yml'), '--format', 'json']);
    assert.equal(many.code, 0, many.err);
    const one = JSON.parse(r.out) as { containers: Row[]; skipped: Skip[] };
    assert.deepEqual(Object.keys(one), ['containers', 'skipped']);
    assert.deepEqual(one.containers, (JSON.parse(many.out) as { containers: Row[] }).containers.filter((c) => c.file === at('k8s/base/web.yaml')));
    assert.equal(one.containers.length, 1);
    const t = await mora(['manifests', 'scan', at('k8s', 'chart', 'templates', 'deployment.yaml')]);
    assert.equal(t.code, 2);
    assert.match(t.err, /^mora: .*deployment\.yaml: document at line 1 is a Helm\/Go template source/);
  });

  describe('apply on a folder', () => {
    const snapshot = () => ['k8s/base/web.yaml', 'k8s/overlays/prod/api.yml', 'k8s/overlays/prod/probe.json'].map((f) => readFileSync(at(f), 'utf8'));

    it('edits the one file holding each target, JSON staying JSON, and leaves the others (and their timestamps) alone', async () => {
      const [web, api, probe] = snapshot();
      const apiTime = statSync(at('k8s/overlays/prod/api.yml')).mtimeMs;
      const r = await mora(['manifests', 'apply', at('k8s'), '--set', 'deploy/web/web=cpu=150m', '--set', 'Pod/probe/probe=memory=64Mi', '--in-place']);
      assert.equal(r.code, 0, r.err);
      assert.equal(readFileSync(at('k8s/base/web.yaml'), 'utf8'), web.replace('cpu: 100m', 'cpu: 150m'));
      assert.equal(readFileSync(at('k8s/overlays/prod/api.yml'), 'utf8'), api);
      assert.equal(statSync(at('k8s/overlays/prod/api.yml')).mtimeMs, apiTime);
      assert.deepEqual(JSON.parse(readFileSync(at('k8s/overlays/prod/probe.json'), 'utf8')).spec.containers[0].resources,
        { requests: { cpu: '50m', memory: '64Mi' } });
      assert.notEqual(readFileSync(at('k8s/overlays/prod/probe.json'), 'utf8'), probe);
      assert.match(r.err, /updated .*web\.yaml/);
    });

    it('refuses a target found in two files, naming both, and writes nothing', async () => {
      write('k8s/overlays/prod/web-patch.yaml', DEPLOYMENT('web', '300m'));
      const before = snapshot();
      const r = await mora(['manifests', 'apply', at('k8s'), '--set', 'Deployment/api/api=cpu=1', '--set', 'Deployment/web/web=cpu=150m', '--in-place']);
      assert.equal(r.code, 2);
      assert.match(r.err, /Deployment\/web\/web is in 2 files: .*k8s\/base\/web\.yaml, .*k8s\/overlays\/prod\/web-patch\.yaml; nothing was written/);
      assert.deepEqual(snapshot(), before);
    });

    it('refuses, writing nothing, when a file cannot be read (a target might be in it), a target is missing, or --in-place is not given', async () => {
      const before = snapshot();
      write('k8s/base/broken.yaml', readFileSync(join(FIXTURES, 'malformed.yaml')));
      let r = await mora(['manifests', 'apply', at('k8s'), '--set', 'Deployment/web/web=cpu=150m', '--in-place']);
      assert.equal(r.code, 2);
      assert.match(r.err, /1 of 6 files could not be read, so nothing was written .*broken\.yaml: not valid YAML at line 11/);
      rmSync(at('k8s/base/broken.yaml'));
      r = await mora(['manifests', 'apply', at('k8s'), '--set', 'Deployment/web/web=cpu=150m', '--set', 'Deployment/gone/x=cpu=1', '--in-place']);
      assert.equal(r.code, 2);
      assert.match(r.err, /no Deployment\/gone\/x in 4 files read; nothing was written/);
      r = await mora(['manifests', 'apply', at('k8s'), '--set', 'Deployment/web/web=cpu=150m']);
      assert.equal(r.code, 2);
      assert.match(r.err, /give --in-place/);
      assert.deepEqual(snapshot(), before);
    });
  });
});
