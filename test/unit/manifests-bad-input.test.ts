/**
 * Bad input never does silent damage, the manifest side (issue 10, items 4, 5, 6 and 9): impossible values are refused
 * with exit 2 and one line, files that cannot be written are named with the reason, a symlink stays a link and a file
 * keeps its mode, `kind: List` items are read and edited, and names from input files never reach the terminal as
 * control sequences.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync, chownSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mora } from './helpers/run-cli';
import { renderTable } from '../../src/cli/format/table';
import { writeFileAtomic } from '../../src/core/atomic-write';
import { demoManifests } from '../../src/data/demo';
import { checkReplicas, parseQuantity, parseResourceQuantity, QuantityError } from '../../src/core/quantity';
import type { Recommendation } from '../../src/core/recommendation';
import { editManifest, parseChangeSpecs, planEdits, scanManifest } from '../../src/manifests';
import { manifestView } from '../../src/views/manifest-lens-model';

const FIXTURES = join(__dirname, '..', 'fixtures', 'manifests');
/** What a terminal would obey: C0/C1 controls, DEL, bidirectional overrides and isolates. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const kompose = readFileSync(join(FIXTURES, 'kompose.yaml'), 'utf8');

/** chattr +i works here (root on ext4 and the like); elsewhere the immutable-file case is skipped. */
function makeImmutable(file: string): boolean {
  return spawnSync('chattr', ['+i', file]).status === 0;
}
function makeMutable(file: string): void {
  spawnSync('chattr', ['-i', file]);
}

describe('manifests: bad input never does silent damage', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mora-bad-input-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('values that cannot be resources or replicas (exit 2, one line, nothing written)', () => {
    it('refuses negative, infinite and out-of-range quantities and replica counts on the command line', async () => {
      const file = join(dir, 'rates.yaml');
      writeFileSync(file, kompose);
      const cases: [string[], RegExp][] = [
        [['--set', 'Deployment/rates/hotel-rates=memory=-1Gi'], /requests\.memory: "-1Gi" is negative/],
        [['--set', 'Deployment/rates/hotel-rates=limits.cpu=-500m'], /limits\.cpu: "-500m" is negative/],
        [['--set', 'Deployment/rates/hotel-rates=cpu=1e309'], /requests\.cpu: "1e309" is too large/],
        [['--set', 'Deployment/rates/hotel-rates=memory=1e19'], /more memory than Kubernetes can hold/],
        [['--set', 'Deployment/rates/hotel-rates=memory=100m'], /requests\.memory: "100m" is in thousandths of a byte .*did you mean 100Mi\?/],
        [['--replicas', 'Deployment/rates=100000000000000000000000'], /replicas must be a whole number from 0 to 10000, got "100000000000000000000000"/],
        [['--replicas', 'Deployment/rates=10001'], /from 0 to 10000/],
        [['--replicas', 'Deployment/rates=1e+23'], /whole number/],
        [['--replicas', 'Deployment/rates=-1'], /whole number/],
      ];
      for (const [args, message] of cases) {
        const r = await mora(['manifests', 'apply', file, ...args, '--in-place']);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
        assert.match(r.err, message);
        assert.equal(r.err.trim().split('\n').length, 1, r.err);
        assert.equal(readFileSync(file, 'utf8'), kompose, 'the file is untouched');
      }
      // Zero is a value Kubernetes accepts (nothing reserved, or a scaled-down workload).
      const zero = await mora(['manifests', 'apply', file, '--set', 'Deployment/rates/hotel-rates=cpu=0', '--replicas', 'Deployment/rates=0']);
      assert.equal(zero.code, 0, zero.err);
      assert.match(zero.out, /cpu: 0\n/);
      assert.match(zero.out, /replicas: 0\n/);
    });

    it('the same checks guard the editor-free core (CodeLens Apply) and live in core/quantity', () => {
      const change = (set: Record<string, string>) => [{ type: 'resources' as const, target: { kind: 'Deployment', name: 'rates', container: 'hotel-rates' }, set: { requests: set } }];
      assert.throws(() => planEdits(kompose, change({ memory: '-1Gi' })), /negative/);
      assert.throws(() => planEdits(kompose, change({ cpu: '1e309' })), /too large/);
      assert.throws(() => planEdits(kompose, [{ type: 'replicas', target: { kind: 'Deployment', name: 'rates' }, replicas: 1e23 }]), /from 0 to 10000/);
      assert.throws(() => planEdits(kompose, [{ type: 'replicas', target: { kind: 'Deployment', name: 'rates' }, replicas: 2.5 }]), /whole number/);
      assert.throws(() => parseQuantity('1e309'), QuantityError);
      assert.throws(() => parseResourceQuantity('memory', '-1Gi'), QuantityError);
      assert.equal(parseResourceQuantity('memory', '1Gi'), 2 ** 30);
      assert.equal(checkReplicas('3'), 3);
      assert.throws(() => checkReplicas(Number.MAX_SAFE_INTEGER + 2), QuantityError);
    });
  });

  describe('files that cannot be written, symlinks and modes', () => {
    it('manifests apply --in-place edits a symlink\'s target in place: the link stays a link, the mode stays', async () => {
      const target = join(dir, 'real.yaml');
      const link = join(dir, 'link.yaml');
      writeFileSync(target, kompose);
      chmodSync(target, 0o640);
      symlinkSync('real.yaml', link);
      const r = await mora(['manifests', 'apply', link, '--set', 'Deployment/rates/hotel-rates=cpu=150m', '--in-place']);
      assert.equal(r.code, 0, r.err);
      assert.ok(lstatSync(link).isSymbolicLink(), 'the link is still a link');
      assert.equal(readlinkSync(link), 'real.yaml');
      assert.equal(readFileSync(target, 'utf8'), kompose.replace('cpu: 100m', 'cpu: 150m'));
      assert.equal(statSync(target).mode & 0o7777, 0o640);
    });

    it('the atomic write keeps an existing file\'s mode (0600, 0755) whatever the umask, its owner where it may, and follows links', () => {
      for (const mode of [0o600, 0o755]) {
        const file = join(dir, `m${mode.toString(8)}.yaml`);
        writeFileSync(file, 'a: 1\n');
        chmodSync(file, mode);
        const umask = process.umask(0o077);
        try {
          writeFileAtomic(file, 'a: 2\n');
        } finally {
          process.umask(umask);
        }
        assert.equal(statSync(file).mode & 0o7777, mode);
        assert.equal(readFileSync(file, 'utf8'), 'a: 2\n');
      }
      if (process.getuid?.() === 0) {
        // Root may set the owner: a file of another user stays that user's (others cannot chown, and keep the mode only).
        const theirs = join(dir, 'theirs.yaml');
        writeFileSync(theirs, 'a: 1\n');
        chownSync(theirs, 4321, 4322);
        writeFileAtomic(theirs, 'a: 2\n');
        assert.deepEqual([statSync(theirs).uid, statSync(theirs).gid], [4321, 4322]);
      }
      const link = join(dir, 'dangling.yaml');
      symlinkSync('created-through-link.yaml', link);
      writeFileAtomic(link, 'b: 1\n');
      assert.ok(lstatSync(link).isSymbolicLink());
      assert.equal(readFileSync(join(dir, 'created-through-link.yaml'), 'utf8'), 'b: 1\n');
    });

    it('apply into an immutable file, under a regular file or onto a directory: one line naming the file and why, exit 2, no stack', async () => {
      const file = join(dir, 'rates.yaml');
      writeFileSync(file, kompose);
      const set = ['--set', 'Deployment/rates/hotel-rates=cpu=150m'];
      const cases: [string[], RegExp][] = [
        [[...set, '--out', join(file, 'out.yaml')], /rates\.yaml\/out\.yaml: cannot write: .*not a directory/],
        [[...set, '--out', dir], /cannot write: .*is a directory/],
      ];
      const immutable = makeImmutable(file);
      if (immutable) cases.push([[...set, '--in-place'], /rates\.yaml: cannot write: operation not permitted/]);
      try {
        for (const [args, message] of cases) {
          const r = await mora(['manifests', 'apply', file, ...args]);
          assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
          assert.match(r.err, message);
          assert.equal(r.err.trim().split('\n').length, 1, r.err);
          assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
        }
        assert.equal(readFileSync(file, 'utf8'), kompose);
      } finally {
        if (immutable) makeMutable(file);
      }
    });
  });

  describe('kind: List (kubectl get -o yaml)', () => {
    const list = [
      'apiVersion: v1', 'kind: List', 'metadata: {}', 'items:',
      '- apiVersion: apps/v1', '  kind: Deployment', '  metadata:', '    name: web', '    namespace: shop', '  spec:', '    replicas: 2',
      '    template:', '      spec:', '        containers:', '        - name: app', '          resources:', '            requests:', '              cpu: 100m',
      '- apiVersion: v1', '  kind: Service', '  metadata: {name: web}', '  spec: {ports: [{port: 80}]}',
      '- apiVersion: apps/v1', '  kind: StatefulSet', '  metadata:', '    name: db', '    namespace: shop', '  spec:',
      '    template:', '      spec:', '        containers:', '        - name: postgres', '          image: postgres', '',
    ].join('\n');

    it('scan lists the containers of the List\'s workload items', async () => {
      const file = join(dir, 'list.yaml');
      writeFileSync(file, list);
      const r = await mora(['manifests', 'scan', file, '--format', 'json']);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(((JSON.parse(r.out) as { containers: unknown[] }).containers as { kind: string; namespace: string; name: string; container: string; line: number; replicas: number | null }[])
        .map((x) => [x.kind, x.namespace, x.name, x.container, x.line, x.replicas]),
      [['Deployment', 'shop', 'web', 'app', 15, 2], ['StatefulSet', 'shop', 'db', 'postgres', 32, null]]);
      assert.deepEqual(scanManifest(list).containers.map((c) => c.item), [0, 2]);
    });

    it('apply edits the targeted item only', async () => {
      const file = join(dir, 'list.yaml');
      writeFileSync(file, list);
      const r = await mora(['manifests', 'apply', file, '--set', 'StatefulSet/db/postgres=cpu=250m,memory=512Mi', '--set', 'shop/Deployment/web/app=cpu=50m',
        '--replicas', 'Deployment/web=3', '--in-place']);
      assert.equal(r.code, 0, r.err);
      assert.equal(readFileSync(file, 'utf8'), list
        .replace('    replicas: 2', '    replicas: 3')
        .replace('              cpu: 100m', '              cpu: 50m')
        .replace('          image: postgres', '          image: postgres\n          resources:\n            requests:\n              cpu: 250m\n              memory: 512Mi'));
      const edited = editManifest(list, parseChangeSpecs({ set: ['Deployment/web/app=memory=64Mi'] })).text;
      assert.equal(edited, list.replace('              cpu: 100m', '              cpu: 100m\n              memory: 64Mi'));
    });
  });

  describe('kind: List in the editor (CodeLenses)', () => {
    it('lenses every workload of a List, replicas included, and Apply all edits each item in its own namespace', () => {
      const list = ['apiVersion: v1', 'kind: List', 'items:',
        ...['web', 'api'].flatMap((name, i) => [
          '- apiVersion: apps/v1', '  kind: Deployment', '  metadata:', `    name: ${name}`, `    namespace: ${i === 0 ? 'shop' : 'team'}`,
          '  spec:', '    replicas: 2', '    template:', '      spec:', '        containers:', '        - name: app', '          image: x']), ''].join('\n');
      const b = (v: number) => ({ value: v, lower: v, upper: v });
      const evidence = { observed: { p50: 1, p95: 1, p99: 1, max: 1, samples: 10, days: 14 }, margin: 0.1, method: 'mora', reason: 'r', completeness: 1, notes: [] };
      const rec = (namespace: string, name: string, cpu: number, replicas: number): Recommendation => ({
        workload: { context: 'c', namespace, kind: 'Deployment', name }, qos: 'Burstable', confidence: 0.8, generatedAt: 0,
        containers: [{ container: 'app', current: { requests: {}, limits: {} }, verdict: 'ok', confidence: 0.8, cpu: { request: b(cpu), confidence: 0.8, evidence } }],
        replicas: { current: 2, recommended: b(replicas), reason: 'because' },
      } as unknown as Recommendation);
      const recs = [rec('shop', 'web', 0.25, 3), rec('team', 'api', 0.5, 4)];
      const view = manifestView(list, (ns, kind, name) => recs.find((r) => r.workload.namespace === ns && r.workload.kind === kind && r.workload.name === name), 'default');
      assert.deepEqual(view.lenses.filter((l) => l.kind === 'replicas').map((l) => l.title), ['MOrA: replicas 2 → 3', 'MOrA: replicas 2 → 4']);
      const all = view.lenses.find((l) => l.kind === 'file')!;
      const out = editManifest(list, all.changes).text;
      assert.deepEqual(scanManifest(out).containers.map((c) => [c.name, c.namespace, c.requests.cpu?.value, c.replicas?.value]),
        [['web', 'shop', '250m', '3'], ['api', 'team', '500m', '4']]);
    });
  });

  describe('names from input files never reach the terminal as control sequences', () => {
    const evil = kompose.replace('name: hotel-rates', 'name: "\\e[31mred\\e]0;title\\a\\u202e"');

    it('scan escapes control characters in its table; JSON keeps the exact name', async () => {
      const file = join(dir, 'evil.yaml');
      writeFileSync(file, evil);
      const table = await mora(['manifests', 'scan', file]);
      assert.equal(table.code, 0, table.err);
      assert.doesNotMatch(table.out, CONTROL);
      assert.match(table.out, /\\x1b\[31mred\\x1b\]0;title\\x07\\u202e/);
      const json = await mora(['manifests', 'scan', file, '--format', 'json']);
      assert.equal((JSON.parse(json.out) as { containers: { container: string }[] }).containers[0].container, '\u001b[31mred\u001b]0;title\u0007\u202e');
    });

    it('error messages escape them too: a container name and a file name with control characters', async () => {
      const file = join(dir, 'evil\u001b[2J.yaml');
      writeFileSync(file, evil);
      for (const args of [
        ['manifests', 'apply', file, '--set', 'Deployment/rates/nope=cpu=1'],
        ['manifests', 'scan', join(dir, 'missing\u001b[2J.yaml')],
        ['manifests', 'apply', file, '--set', 'Deployment/rates/x\u001b[2J=cpu=1'],
      ]) {
        const r = await mora(args);
        assert.equal(r.code, 2, r.err);
        assert.doesNotMatch(r.err.replace(/\n$/, ''), CONTROL, r.err);
        assert.match(r.err, /\\x1b\[/);
      }
    });

    it('recommend --apply-to names files safely on stderr, and every table escapes its cells (aligned)', async function () {
      this.timeout(60000);
      writeFileSync(join(dir, 'shop\u001b]8;;x\u0007.yaml'), demoManifests());
      writeFileSync(join(dir, 'bad\u001b[2J.yaml'), 'a: [\n');
      const r = await mora(['recommend', '-w', 'cartservice', '-f', 'json', '--apply-to', dir, '--default-namespace', 'shop']);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /shop\\x1b\]8;;x\\x07\.yaml: \d+ value\(s\) would change; not written because a file could not be updated/); // all the files or none
      assert.match(r.err, /bad\\x1b\[2J\.yaml: not valid YAML/);
      assert.doesNotMatch(r.err.replace(/\n/g, ''), CONTROL, r.err);
      assert.equal(renderTable([{ header: 'name' }, { header: 'n' }], [['a\u001b[2Jb', '1'], ['c', '2']]),
        'name       n\n─────────  ─\na\\x1b[2Jb  1\nc          2\n');
    });
  });
});
