/**
 * `mora manifests apply` given one value twice: different amounts are a usage error naming both (exit 2, stdout empty,
 * nothing written), never "internal error" and never the last one silently; the same amount twice collapses; values
 * of one container split over several --set (cpu in one, memory in another) merge, however the target is spelt.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { editManifest, ManifestEditError, parseChangeSpecs } from '../../src/manifests';
import { webDeployment } from './helpers/manifest-fixtures';
import { mora } from './helpers/run-cli';

const WEB = webDeployment('app', ['cpu: 100m', 'memory: 64Mi']);

describe('mora manifests apply: a value given twice', () => {
  let dir: string;
  let file: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'mora-dup-specs-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    file = join(dir, 'web.yaml');
    writeFileSync(file, WEB);
  });

  /** Runs apply --in-place with `args`: a usage error with `message`, nothing on stdout, the file as it was. */
  async function refused(args: string[], message: string): Promise<void> {
    const r = await mora(['manifests', 'apply', file, '--in-place', ...args]);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.out, '');
    assert.ok(r.err.includes(message), r.err);
    assert.doesNotMatch(r.err, /internal error/);
    assert.equal(readFileSync(file, 'utf8'), WEB);
  }

  it('two --set giving one container different cpu amounts', async () => {
    await refused(['--set', 'Deployment/web/app=cpu=5m', '--set', 'Deployment/web/app=cpu=7m'],
      '--set Deployment/web/app: cpu given twice (5m, 7m): give one value');
    await refused(['--set', 'Deployment/web/app=limits.memory=1Gi', '--set', 'deploy/web/app=limits.memory=2Gi'],
      '--set Deployment/web/app: limits.memory given twice (1Gi, 2Gi): give one value');
  });

  it('two --replicas giving one workload different counts', async () => {
    await refused(['--replicas', 'Deployment/web=3', '--replicas', 'Deployment/web=4'],
      '--replicas Deployment/web: replicas given twice (3, 4): give one value');
  });

  it('one --set giving a value twice (cpu=5m,cpu=6m; cpu and requests.cpu)', async () => {
    await refused(['--set', 'Deployment/web/app=cpu=5m,cpu=6m'], '--set Deployment/web/app: cpu given twice (5m, 6m): give one value');
    await refused(['--set', 'Deployment/web/app=cpu=5m,requests.cpu=6m'], '--set Deployment/web/app: cpu given twice (5m, 6m): give one value');
  });

  it('targets spelt differently that reach the same container or workload in the file', async () => {
    // web sets no namespace: default/Deployment/web is it too (--default-namespace default).
    await refused(['--set', 'Deployment/web/app=cpu=100m', '--set', 'default/Deployment/web/app=cpu=7m'],
      'Deployment/web/app and default/Deployment/web/app are the same container in this file: cpu given twice (100m, 7m): give one value');
    await refused(['--set', 'Deployment/web/app=limits.cpu=5m', '--set', 'default/Deployment/web/app=limits.cpu=7m'],
      'are the same container in this file: limits.cpu given twice (5m, 7m)');
    await refused(['--replicas', 'Deployment/web=2', '--replicas', 'default/Deployment/web=4'],
      'Deployment/web and default/Deployment/web are the same workload in this file: replicas given twice (2, 4): give one value');
  });

  it('several files: refused before anything is written', async () => {
    const folder = join(dir, 'folder');
    mkdirSync(folder, { recursive: true });
    const a = join(folder, 'a.yaml');
    const b = join(folder, 'b.yaml');
    writeFileSync(a, WEB);
    writeFileSync(b, WEB.replace('name: web', 'name: api'));
    for (const args of [['--set', 'Deployment/web/app=cpu=5m', '--set', 'Deployment/web/app=cpu=7m'],
      ['--replicas', 'Deployment/web=3', '--replicas', 'default/Deployment/web=4', '--set', 'Deployment/api/app=cpu=5m']]) {
      const r = await mora(['manifests', 'apply', folder, '--in-place', ...args]);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.out, '');
      assert.match(r.err, /given twice \((5m, 7m|3, 4)\): give one value/);
      assert.equal(readFileSync(a, 'utf8'), WEB);
      assert.equal(readFileSync(b, 'utf8'), WEB.replace('name: web', 'name: api'));
    }
  });

  it('the same amount twice is one change; different values of one container merge, however the target is spelt', async () => {
    const cases: Array<[string[], string]> = [
      [['--set', 'Deployment/web/app=cpu=5m', '--set', 'Deployment/web/app=cpu=5m'], WEB.replace('cpu: 100m', 'cpu: 5m')],
      [['--replicas', 'deploy/web=3', '--replicas', 'Deployment/web=3'], WEB.replace('replicas: 2', 'replicas: 3')],
      [['--set', 'Deployment/web/app=cpu=5m', '--set', 'Deployment/web/app=memory=7Mi'], WEB.replace('cpu: 100m', 'cpu: 5m').replace('memory: 64Mi', 'memory: 7Mi')],
      // Both insert keys into the missing limits block: before, two `limits:` blocks and "refused: ... Map keys must be unique".
      [['--set', 'Deployment/web/app=limits.cpu=500m', '--set', 'default/Deployment/web/app=limits.memory=128Mi'],
        WEB.replace('memory: 64Mi\n', 'memory: 64Mi\n            limits:\n              cpu: 500m\n              memory: 128Mi\n')],
    ];
    for (const [args, expected] of cases) {
      const r = await mora(['manifests', 'apply', file, ...args]);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
      assert.equal(r.out, expected, args.join(' '));
    }
  });

  it('the library: parseChangeSpecs and editManifest refuse a conflict with a ManifestEditError', () => {
    assert.throws(() => parseChangeSpecs({ set: ['Deployment/web/app=cpu=5m', 'Deployment/web/app=cpu=7m'] }),
      (e: unknown) => e instanceof ManifestEditError && e.message === '--set Deployment/web/app: cpu given twice (5m, 7m): give one value');
    assert.equal(parseChangeSpecs({ set: ['Deployment/web/app=cpu=5m', 'deploy/web/app=cpu=0.005', 'Deployment/web/app=memory=1Gi'] }).length, 1);
    const changes = parseChangeSpecs({ replicas: ['Deployment/web=3', 'default/Deployment/web=4'] });
    assert.throws(() => editManifest(WEB, changes, { defaultNamespace: 'default' }),
      (e: unknown) => e instanceof ManifestEditError && /same workload in this file: replicas given twice \(3, 4\)/.test(e.message));
  });
});
