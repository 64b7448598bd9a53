import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { tempDir } from '../harness/temp-dir';
import { recommendCommand } from '../../src/cli/commands/recommend';
import { RECOMMEND_DEFAULTS } from './helpers/recommend-options';
import { UserError } from '../../src/cli/errors';
import { demoManifests } from '../../src/data/demo';
import { scanManifest } from '../../src/manifests';
import { mora } from './helpers/run-cli';
import { applyToManifests } from '../../src/cli/commands/apply-to-manifests';
import type { Recommendation } from '../../src/core/recommendation';
import { writeFileAtomic } from '../../src/core/atomic-write';

const base = { ...RECOMMEND_DEFAULTS, format: 'json' };

describe('mora recommend --apply-to', function () {
  this.timeout(60000);

  it('writes each recommendation into the matching container of a manifest folder, changing only resource values', async () => {
    const dir = tempDir('mora-apply-');
    mkdirSync(join(dir, 'nested'));
    const original = demoManifests();
    writeFileSync(join(dir, 'nested', 'shop.yaml'), original);
    const unrelated = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: "1"\n';
    writeFileSync(join(dir, 'config.yml'), unrelated);
    const recs = JSON.parse(await recommendCommand({ ...base, applyTo: dir, defaultNamespace: 'shop' }));
    const after = readFileSync(join(dir, 'nested', 'shop.yaml'), 'utf8');
    assert.equal(readFileSync(join(dir, 'config.yml'), 'utf8'), unrelated);
    const before = original.split('\n');
    const now = after.split('\n');
    assert.equal(now.length, before.length, 'no line added or removed: every container already had requests and limits');
    const changed = before.map((l, i) => [l, now[i]]).filter(([a, b]) => a !== b);
    assert.ok(changed.length > 0);
    for (const [a, b] of changed) {
      assert.match(a, /^ {12}(cpu|memory): \S+$/, `only resource values change: "${a}"`);
      assert.equal(a.replace(/: .*/, ''), b.replace(/: .*/, ''));
    }
    // What the file now says is what MOrA recommended.
    const scanned = scanManifest(after).containers.find((c) => c.name === 'productcatalogservice')!;
    const rec = recs.find((r: { workload: { name: string } }) => r.workload.name === 'productcatalogservice').containers[0];
    assert.equal(scanned.requests.cpu?.value, `${Math.round(rec.cpu.request.value * 1000)}m`);
  });

  it('walks a folder as `manifests scan` does: a JSON manifest is edited and stays JSON, a link up the tree is not followed round', async () => {
    const dir = tempDir('mora-apply-');
    mkdirSync(join(dir, 'k8s'));
    const cart = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cartservice', namespace: 'shop' },
      spec: { template: { spec: { containers: [{ name: 'server', image: 'cart:1', resources: { requests: { cpu: '900m', memory: '512Mi' } } }] } } },
    };
    const original = JSON.stringify(cart, null, 2) + '\n';
    writeFileSync(join(dir, 'k8s', 'cart.json'), original);
    symlinkSync('..', join(dir, 'k8s', 'up'));
    await recommendCommand({ ...base, applyTo: dir, defaultNamespace: 'shop', workload: 'cartservice' });
    const after = readFileSync(join(dir, 'k8s', 'cart.json'), 'utf8');
    assert.notEqual(after, original, 'the JSON manifest was found and edited');
    const parsed = JSON.parse(after) as typeof cart;
    assert.notEqual(parsed.spec.template.spec.containers[0].resources.requests.cpu, '900m');
    assert.equal(parsed.spec.template.spec.containers[0].image, 'cart:1');
  });

  it('matches manifests without a namespace through the default namespace only, and fails clearly for a missing path', async () => {
    const dir = tempDir('mora-apply-');
    const file = join(dir, 'shop.yaml');
    const noNamespace = demoManifests().replace(/^ {2}namespace: shop\n/gm, '');
    writeFileSync(file, noNamespace);
    // Nothing matched is no silent no-op: exit 2 naming it (the recommendations still print, as for a failed write).
    await assert.rejects(recommendCommand({ ...base, applyTo: file, defaultNamespace: 'default', workload: 'cartservice' }),
      (e: unknown) => e instanceof UserError && e.exitCode === 2 && /^--apply-to: nothing matched: no workload in its file matched a recommendation/.test((e as Error).message));
    assert.equal(readFileSync(file, 'utf8'), noNamespace, 'the demo workloads live in "shop", not "default"');
    await recommendCommand({ ...base, applyTo: file, defaultNamespace: 'shop', workload: 'cartservice' });
    assert.notEqual(readFileSync(file, 'utf8'), noNamespace);
    await assert.rejects(recommendCommand({ ...base, applyTo: join(dir, 'missing') }), (e: unknown) => e instanceof UserError && /no such file/.test((e as Error).message));
  });
});

describe('mora recommend --apply-to: failures are never silent (issue 10, item 4)', function () {
  this.timeout(60000);
  /** Every demo workload recommended (each file below holds other ones). */
  const args = (path: string) => ['recommend', '--source', 'demo', '-f', 'json', '-q', '--apply-to', path, '--default-namespace', 'shop'];
  /** The demo's Deployment of one workload, alone. */
  const deployment = (name: string) => demoManifests().split(/^---\n/m).find((d) => /^kind: Deployment$/m.test(d) && d.includes(`  name: ${name}\n`))!;

  it('keeps each file\'s mode and a symlink as a link, writing its target', async () => {
    const dir = tempDir('mora-apply-');
    // One workload per file: a workload in two files of the folder is refused (a kustomize base and its overlay).
    const files = { 'private.yaml': 'cartservice', 'exec.yaml': 'frontend', [join('real', 'target.yml')]: 'productcatalogservice' };
    mkdirSync(join(dir, 'real'));
    for (const [file, workload] of Object.entries(files)) writeFileSync(join(dir, file), deployment(workload));
    chmodSync(join(dir, 'private.yaml'), 0o600);
    chmodSync(join(dir, 'exec.yaml'), 0o755);
    symlinkSync(join('real', 'target.yml'), join(dir, 'link.yaml'));
    const r = await mora(args(dir));
    assert.equal(r.code, 0, r.err);
    assert.equal(statSync(join(dir, 'private.yaml')).mode & 0o7777, 0o600);
    assert.equal(statSync(join(dir, 'exec.yaml')).mode & 0o7777, 0o755);
    assert.ok(lstatSync(join(dir, 'link.yaml')).isSymbolicLink(), 'the link stays a link');
    for (const [file, workload] of Object.entries(files)) assert.notEqual(readFileSync(join(dir, file), 'utf8'), deployment(workload), `${file} is written`);
  });

  it('refuses a container found in two files of the folder (a kustomize base and its overlay\'s patch): nothing written, exit 2', async () => {
    const dir = tempDir('mora-apply-');
    mkdirSync(join(dir, 'base'));
    mkdirSync(join(dir, 'overlays', 'staging'), { recursive: true });
    const frontend = (resources: string) => ['apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: frontend', '  namespace: shop', 'spec:',
      '  template:', '    spec:', '      containers:', '      - name: server', '        resources:', `          requests: ${resources}`, ''].join('\n');
    const files = { [join('base', 'dep.yaml')]: frontend('{cpu: 100m}'), [join('overlays', 'staging', 'patch.yaml')]: frontend('{cpu: 20m, memory: 32Mi}'),
      'cart.yaml': deployment('cartservice') };
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    const r = await mora(args(dir));
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /shop\/Deployment\/frontend\/server is in 2 files: \S*base\/dep\.yaml, \S*overlays\/staging\/patch\.yaml; nothing was written/);
    assert.ok(JSON.parse(r.out).length > 1, 'the recommendations are still printed');
    for (const [file, text] of Object.entries(files)) assert.equal(readFileSync(join(dir, file), 'utf8'), text, `${file} untouched`);
    // Given the overlay's folder alone, it is written.
    const overlay = await mora(args(join(dir, 'overlays')));
    assert.equal(overlay.code, 0, overlay.err);
    assert.notEqual(readFileSync(join(dir, 'overlays', 'staging', 'patch.yaml'), 'utf8'), files[join('overlays', 'staging', 'patch.yaml')]);
  });

  it('with --replicas, refuses a workload whose overlay patch sets only spec.replicas (no containers): nothing written, exit 2', async () => {
    const dir = tempDir('mora-apply-');
    mkdirSync(join(dir, 'base'));
    mkdirSync(join(dir, 'overlays', 'prod'), { recursive: true });
    // The demo recommends 3 replicas for currencyservice (2 now, no HPA); the overlay's patch would set 4 over whatever
    // the base says.
    const patch = ['apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: currencyservice', 'spec:', '  replicas: 4', ''].join('\n');
    const files = { [join('base', 'currency.yaml')]: deployment('currencyservice'), [join('overlays', 'prod', 'replicas.yaml')]: patch };
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    const r = await mora([...args(dir), '--replicas']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /the replicas of shop\/Deployment\/currencyservice are in 2 files: \S*base\/currency\.yaml, \S*overlays\/prod\/replicas\.yaml; nothing was written/);
    for (const [file, text] of Object.entries(files)) assert.equal(readFileSync(join(dir, file), 'utf8'), text, `${file} untouched`);
    // Without --replicas the patch holds nothing that is written: the base gets its resources.
    const resources = await mora(args(dir));
    assert.equal(resources.code, 0, resources.err);
    assert.notEqual(readFileSync(join(dir, 'base', 'currency.yaml'), 'utf8'), files[join('base', 'currency.yaml')]);
    assert.equal(readFileSync(join(dir, 'overlays', 'prod', 'replicas.yaml'), 'utf8'), patch);
  });

  it('names a file it could not write and one that is not valid YAML on stderr, even with -q, exits 2, and writes none of the files', async () => {
    const dir = tempDir('mora-apply-');
    // Each workload in one file: the same one in two files of a folder would be refused outright.
    const original = deployment('cartservice');
    writeFileSync(join(dir, 'a-ok.yaml'), original);
    const broken = demoManifests().replace('kind: Deployment', 'kind: Deployment\n  bad: [');
    writeFileSync(join(dir, 'b-broken.yaml'), broken);
    const lockedText = deployment('frontend');
    writeFileSync(join(dir, 'c-locked.yaml'), lockedText);
    const locked = spawnSync('chattr', ['+i', join(dir, 'c-locked.yaml')]).status === 0;
    try {
      const r = await mora(args(dir));
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /b-broken\.yaml: not valid YAML at line \d+/);
      if (locked) assert.match(r.err, /c-locked\.yaml: cannot write: operation not permitted/);
      assert.match(r.err, new RegExp(`--apply-to: ${locked ? 2 : 1} of 3 files could not be updated`));
      assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
      assert.ok(JSON.parse(r.out).some((x: { workload: { name: string } }) => x.workload.name === 'cartservice'), 'the recommendations are still printed');
      assert.equal(readFileSync(join(dir, 'a-ok.yaml'), 'utf8'), original, 'the good file is not written either: all or nothing');
      assert.equal(readFileSync(join(dir, 'b-broken.yaml'), 'utf8'), broken);
      assert.equal(readFileSync(join(dir, 'c-locked.yaml'), 'utf8'), lockedText);
    } finally {
      if (locked) spawnSync('chattr', ['-i', join(dir, 'c-locked.yaml')]);
    }
  });
});

describe('mora recommend --apply-to: all the files or none, and --dry-run', function () {
  this.timeout(60000);
  const args = (path: string) => ['recommend', '--source', 'demo', '-f', 'json', '--apply-to', path, '--default-namespace', 'shop'];
  const deployment = (name: string) => demoManifests().split(/^---\n/m).find((d) => /^kind: Deployment$/m.test(d) && d.includes(`  name: ${name}\n`))!;
  const folder = () => {
    const dir = tempDir('mora-apply-');
    const files = { 'a-cart.yaml': deployment('cartservice'), 'b-frontend.yaml': deployment('frontend') };
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    return { dir, files };
  };

  it('a read-only file in the folder: named, exit 2, and the other file is not rewritten', async () => {
    const { dir, files } = folder();
    chmodSync(join(dir, 'b-frontend.yaml'), 0o444); // no write bit: refused even for root (atomic-write.ts)
    const r = await mora(args(dir));
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /^mora: \S*b-frontend\.yaml: cannot write: the file is read-only/m);
    assert.match(r.err, /a-cart\.yaml: \d+ value\(s\) would change; not written because a file could not be updated \(named above\), so none was$/m);
    for (const [file, text] of Object.entries(files)) assert.equal(readFileSync(join(dir, file), 'utf8'), text, `${file} untouched`);
    assert.ok(JSON.parse(r.out).length > 1, 'the recommendations are still printed');
  });

  it('a write that fails midway (a full disk) restores the files written before it', async () => {
    const { dir, files } = folder();
    const recs = JSON.parse(await recommendCommand(base)) as Recommendation[];
    let calls = 0;
    const results = applyToManifests(dir, recs, 'shop', false, {
      write: (file, data) => {
        calls++;
        if (file.endsWith('b-frontend.yaml') && calls === 2) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        writeFileSync(file, data);
      },
    });
    assert.equal(calls, 3, 'a written, b failed, a restored');
    const b = results.find((x) => x.file.endsWith('b-frontend.yaml'))!;
    assert.match(b.error ?? '', /^cannot write: no space left on device \(ENOSPC\); the 1 file written before it \(\S*a-cart\.yaml\) were restored, so nothing was changed$/);
    assert.equal(b.exitCode, 1);
    const a = results.find((x) => x.file.endsWith('a-cart.yaml'))!;
    assert.equal(a.notWritten, 'a file could not be updated (named above), so none was');
    assert.ok(a.changed > 0, 'a would change: said so, not "unchanged"');
    for (const [file, text] of Object.entries(files)) assert.equal(readFileSync(join(dir, file), 'utf8'), text, `${file} as it was`);
  });

  // A lost update (4e88d66 for `manifests apply`): a file someone else saved after --apply-to read it is not overwritten
  // with the edit planned from the old text.
  const theirs = (text: string) => `# their edit\n${text}`;

  it('a file edited after planning, while another is written: that one restored, the edit kept, exit 2 naming the file', async () => {
    const { dir, files } = folder();
    const recs = JSON.parse(await recommendCommand(base)) as Recommendation[];
    const b = join(dir, 'b-frontend.yaml');
    let calls = 0;
    const results = applyToManifests(dir, recs, 'shop', false, {
      // As the real writer: the bytes passed as unchangedFrom are checked before the rename (core/atomic-write.ts).
      write: (file, data, opts) => {
        if (++calls === 1) writeFileSync(b, theirs(files['b-frontend.yaml'])); // someone saves b meanwhile
        writeFileAtomic(file, data, opts);
      },
    });
    const rb = results.find((x) => x.file === b)!;
    assert.match(rb.error ?? '', /^changed on disk since it was read; the 1 file written before it \(\S*a-cart\.yaml\) were restored, so nothing was changed — run again$/);
    assert.equal(rb.exitCode, 2);
    assert.equal(readFileSync(b, 'utf8'), theirs(files['b-frontend.yaml']));
    assert.equal(readFileSync(join(dir, 'a-cart.yaml'), 'utf8'), files['a-cart.yaml']);
    assert.equal(results.find((x) => x.file.endsWith('a-cart.yaml'))!.notWritten, 'a file could not be updated (named above), so none was');
  });

  it('one file edited while MOrA flushes its new text (just before the rename): the edit kept, one line, exit 2, no temporary file left', async () => {
    const dir = tempDir('mora-apply-');
    const file = join(dir, 'cart.yaml');
    writeFileSync(file, deployment('cartservice'));
    // fs.fsyncSync is called while the temporary file beside the target is flushed: the edit lands then, once.
    const fs = createRequire(__filename)('node:fs') as typeof import('node:fs');
    const real = fs.fsyncSync;
    let edited = false;
    fs.fsyncSync = (fd: number) => {
      if (!edited && readdirSync(dir).length > 1) { edited = true; writeFileSync(file, theirs(deployment('cartservice'))); }
      real(fd);
    };
    let r;
    try {
      r = await mora(args(file));
    } finally {
      fs.fsyncSync = real;
    }
    assert.ok(edited, 'the edit happened during the write');
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /^mora: \S*cart\.yaml: changed on disk since it was read; nothing was written — run again$/m);
    assert.equal(readFileSync(file, 'utf8'), theirs(deployment('cartservice')));
    assert.deepEqual(readdirSync(dir), ['cart.yaml']);
    assert.ok(JSON.parse(r.out).length > 1, 'the recommendations are still printed');
  });

  it('a Jinja/Helm template source beside the manifests is skipped with a note (as manifests scan skips it); the others are written', async () => {
    const { dir, files } = folder();
    // {{ }} in the first document (not YAML), {% endif %} alone in the second: a template source, not a file to fix.
    const jinja = '{% if enabled %}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ name }}\n---\n{% endif %}\n';
    // A Jinja loop whose first document holds only the statement (no {{ }} in it).
    const loop = '{% for s in services %}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: "{{ s }}"\n{% endfor %}\n';
    writeFileSync(join(dir, 'c-template.yaml'), jinja);
    writeFileSync(join(dir, 'd-loop.yaml'), loop);
    const scan = await mora(['manifests', 'scan', dir]);
    assert.equal(scan.code, 0, scan.err);
    const r = await mora(args(dir));
    assert.equal(r.code, 0, r.err);
    // YAML breaks at the {% if %} on line 1, before any {{ }}: that statement is what to render, and the note names it.
    assert.match(r.err, /c-template\.yaml: unchanged \(document at line 1 is a Jinja\/Go template source \(\{% %\} at line 1\), not YAML; render it first\)/);
    assert.match(r.err, /d-loop\.yaml: unchanged \(document at line 1 is a Jinja\/Go template source \(\{% %\} at line 1\), not YAML; render it first\)/);
    for (const [file, text] of Object.entries(files)) assert.notEqual(readFileSync(join(dir, file), 'utf8'), text, `${file} written`);
    assert.equal(readFileSync(join(dir, 'c-template.yaml'), 'utf8'), jinja);
    assert.equal(readFileSync(join(dir, 'd-loop.yaml'), 'utf8'), loop);
  });

  it('plain broken YAML beside them still blocks the write (all or none), and the files that would change say so', async () => {
    const { dir, files } = folder();
    writeFileSync(join(dir, 'c-broken.yaml'), 'a: [\n');
    const r = await mora(args(dir));
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /^mora: \S*c-broken\.yaml: not valid YAML at line/m);
    assert.match(r.err, /a-cart\.yaml: \d+ value\(s\) would change; not written because a file could not be updated \(named above\), so none was$/m);
    for (const [file, text] of Object.entries(files)) assert.equal(readFileSync(join(dir, file), 'utf8'), text, `${file} untouched`);
  });

  it('--dry-run prints each file\'s diff on stderr (with -f json and with the table: stdout is the recommendations only) and writes nothing', async () => {
    const { dir, files } = folder();
    const r = await mora(args(dir).concat('--dry-run'));
    assert.equal(r.code, 0, r.err);
    JSON.parse(r.out); // stdout stays the recommendations
    const cart = join(dir, 'a-cart.yaml').replace(/^\/+/, '');
    assert.ok(r.err.includes(`--- a/${cart}\n+++ b/${cart}\n@@ `), r.err); // as manifests apply --diff names them
    assert.match(r.err, /^-\s+cpu: \S+\n(-.*\n)*\+\s+cpu: \S+$/m);
    assert.match(r.err, /a-cart\.yaml: \d+ value\(s\) would change \(dry run\)/);
    assert.match(r.err, /^dry run: 2 file\(s\) would change; nothing was written$/m);
    for (const [file, text] of Object.entries(files)) assert.equal(readFileSync(join(dir, file), 'utf8'), text, `${file} untouched`);
    const table = await mora(['recommend', '--source', 'demo', '-q', '--apply-to', dir, '--default-namespace', 'shop', '--dry-run']);
    assert.equal(table.code, 0, table.err);
    const plainTable = await mora(['recommend', '--source', 'demo', '-q']);
    assert.equal(table.out, plainTable.out, 'stdout: the table alone, as without --apply-to (`> changes.patch` would not catch it)');
    assert.doesNotMatch(table.out, /^--- a\//m);
    // With -q nothing else goes to stderr here: `2> changes.patch` is the patch.
    assert.match(table.err, /^--- a\/\S*a-cart\.yaml\n\+\+\+ b\//);
    assert.ok(table.err.split('\n').every((l) => l === '' || /^(--- a\/|\+\+\+ b\/|@@ |[-+ ])/.test(l)), table.err);
    // A file the write would refuse is named by the preview too, with its diff: the dry run writes nothing, so it is a
    // note, not a failure (it was exit 2 and no diff, while `manifests apply --diff` showed the same file's).
    chmodSync(join(dir, 'b-frontend.yaml'), 0o444); // no write bit: refused even for root (atomic-write.ts)
    const ro = await mora(args(dir).concat('--dry-run'));
    assert.equal(ro.code, 0, ro.err);
    const frontend = join(dir, 'b-frontend.yaml').replace(/^\/+/, '');
    assert.ok(ro.err.includes(`--- a/${frontend}\n+++ b/${frontend}\n@@ `), ro.err);
    assert.match(ro.err, /b-frontend\.yaml: \d+ value\(s\) would change \(dry run\)\n\S*b-frontend\.yaml: note: cannot write: the file is read-only.*; a run without --dry-run refuses it and writes no file$/m);
    assert.match(ro.err, /^dry run: 2 file\(s\) would change \(1 of them cannot be written, named above: a run without --dry-run writes none until it is writable\); nothing was written$/m);
    assert.doesNotMatch(ro.err, /^mora: \S*b-frontend\.yaml: cannot write/m);
    // A real run still refuses it, and writes neither file.
    const real = await mora(args(dir));
    assert.equal(real.code, 2, real.err);
    assert.match(real.err, /^mora: \S*b-frontend\.yaml: cannot write: the file is read-only/m);
    for (const [file, text] of Object.entries(files)) assert.equal(readFileSync(join(dir, file), 'utf8'), text, `${file} untouched`);
  });

  it('files that match no recommendation: said on stderr even with -q, exit 2, the recommendations still on stdout (was silent, exit 0)', async () => {
    const dir = tempDir('mora-apply-');
    const other = deployment('cartservice').replace('name: cartservice', 'name: not-in-the-demo');
    writeFileSync(join(dir, 'other.yaml'), other);
    for (const extra of [[], ['--dry-run']]) {
      const r = await mora([...args(join(dir, 'other.yaml')), '-q', ...extra]);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.err, 'mora: --apply-to: nothing matched: no workload in its file matched a recommendation by kind, namespace (a manifest without one is in --default-namespace) and name, with a container of the same name; nothing was written\n');
      assert.ok(JSON.parse(r.out).length > 1, 'the recommendations are still printed');
      assert.equal(readFileSync(join(dir, 'other.yaml'), 'utf8'), other);
    }
    // Without -q, --dry-run's last line fits the case: nothing matched, so no failure above to fix (it said 'once the
    // failures named above are fixed' when none was named); the error line follows it.
    const dry = await mora([...args(join(dir, 'other.yaml')), '--dry-run']);
    assert.equal(dry.code, 2, dry.err);
    assert.match(dry.err, /^\S*other\.yaml: unchanged \(no matching recommendation\)\ndry run: no file would change \(nothing matched: see below\); nothing was written\n(mora: demo data: .*\n)?mora: --apply-to: nothing matched: /m);
    assert.doesNotMatch(dry.err, /failures named above/);
    mkdirSync(join(dir, 'config'));
    writeFileSync(join(dir, 'config', 'a.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n');
    writeFileSync(join(dir, 'config', 'b.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n');
    const none = await mora([...args(join(dir, 'config')), '-q']);
    assert.equal(none.code, 2, none.err);
    assert.match(none.err, /^mora: --apply-to: nothing matched: its 2 files hold no workload with containers; nothing was written\n$/);
    // A file that matched and already has the values is success: a second run is a no-op, exit 0.
    writeFileSync(join(dir, 'cart.yaml'), deployment('cartservice'));
    assert.equal((await mora(args(join(dir, 'cart.yaml')))).code, 0);
    const again = await mora([...args(join(dir, 'cart.yaml')), '-q']);
    assert.equal(again.code, 0, again.err);
    assert.equal(again.err, '');
    // One matching file among others that match nothing is no error either (a folder holds more than the recommended).
    writeFileSync(join(dir, 'config', 'cart.yaml'), deployment('cartservice'));
    assert.equal((await mora(args(join(dir, 'config')))).code, 0);
  });
});

describe('mora recommend --apply-to on kind: List (issue 10, item 9)', function () {
  this.timeout(60000);
  it('writes into the matching item of a List (kubectl get -o yaml), each item on its own', async () => {
    const dir = tempDir('mora-apply-');
    const item = (name: string) => demoManifests().split(/^---\n/m).find((d) => d.includes(`name: ${name}\n`))!
      .replace(/^#.*\n/gm, '').trimEnd().split('\n').map((l, i) => (i === 0 ? `- ${l}` : `  ${l}`)).join('\n');
    const list = `apiVersion: v1\nkind: List\nitems:\n${item('cartservice')}\n${item('frontend')}\n`;
    writeFileSync(join(dir, 'list.yaml'), list);
    const recs = JSON.parse(await recommendCommand({ ...base, applyTo: join(dir, 'list.yaml'), defaultNamespace: 'shop', workload: 'cartservice' }));
    const after = scanManifest(readFileSync(join(dir, 'list.yaml'), 'utf8')).containers;
    const before = scanManifest(list).containers;
    assert.equal(after.find((c) => c.name === 'cartservice')?.requests.cpu?.value, `${Math.round(recs[0].containers[0].cpu.request.value * 1000)}m`);
    assert.notEqual(after.find((c) => c.name === 'cartservice')?.requests.cpu?.value, before.find((c) => c.name === 'cartservice')?.requests.cpu?.value);
    const values = (cs: typeof after) => cs.filter((c) => c.name === 'frontend').map((c) => [c.requests.cpu?.value, c.requests.memory?.value, c.limits.cpu?.value, c.limits.memory?.value]);
    assert.deepEqual(values(after), values(before), 'the other item is untouched');
  });
});
