/**
 * The editor's replica lens on a kustomize base whose overlay adds an HPA (k8s/base/deployment.yaml; k8s/overlays/prod
 * with a kustomization listing ../../base and hpa.yaml): kustomize renders the base's Deployment with the prod HPA, which
 * owns its replicas, so the base's lens names the HPA and the overlay instead of offering a count. Found without a
 * build: the kustomizations a few folders around the file, read for their resources/bases/components.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FolderAutoscalers, OVERLAY_CHECK_MS } from '../../src/views/folder-autoscalers';
import { manifestView } from '../../src/views/manifest-lens-model';
import { deployment, hpa, lookup } from './helpers/replica-lens-fixtures';
import { kustomizationRefs } from '../../src/manifests/kustomization';

const kustomization = (resources: string[], extra: string[] = []): string =>
  ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', ...extra, 'resources:', ...resources.map((r) => `  - ${r}`), ''].join('\n');

/** The replica lenses (title, changes) and the replica hover of `file` as the editor builds them (ManifestViews.besides). */
function lenses(folder: FolderAutoscalers, file: string, text: string, root: string) {
  const { autoscalers, overlays } = folder.overlays(file, root);
  const view = manifestView(text, lookup, 'default', { elsewhere: [...folder.besides(file), ...autoscalers], overlays });
  const replicas = view.lenses.filter((l) => l.kind === 'replicas');
  return { titles: replicas.map((l) => [l.title, l.changes.length] as const), tooltips: replicas.map((l) => l.tooltip ?? '') };
}

describe('manifest lens model: an HPA in a kustomize overlay of the base', () => {
  let root: string;
  const write = (rel: string, text: string) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'mora-lens-overlay-'));
    write('k8s/base/deployment.yaml', deployment('web', 2) + '---\n' + deployment('api', 2));
    write('k8s/base/kustomization.yaml', kustomization(['deployment.yaml']));
    write('k8s/overlays/prod/kustomization.yaml', kustomization(['../../base', 'hpa.yaml'], ['namespace: shop']));
    write('k8s/overlays/prod/hpa.yaml', hpa('web', 'web', 2, 8, 'shop'));
    write('k8s/overlays/staging/kustomization.yaml', kustomization(['../../base']));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const base = () => join(root, 'k8s', 'base', 'deployment.yaml');
  const text = deployment('web', 2) + '---\n' + deployment('api', 2);

  it('the base\'s replica lens names the overlay\'s HPA instead of offering a count; another workload keeps its lens', () => {
    const got = lenses(new FolderAutoscalers(), base(), text, root);
    assert.deepEqual(got.titles, [
      ['MOrA: replicas left to the HPA web (2..8): keep its bounds (the 3 replicas the load needs are within them) (in overlay ../overlays/prod: hpa.yaml)', 0],
      ['MOrA: replicas 2 → 4', 1],
    ]);
    // staging renders the same base without an HPA: said, since there the count in the base still applies.
    assert.match(got.tooltips[0], /\.\.\/overlays\/staging renders this base without one: there this count still applies\./);
  });

  it('follows an overlay of an overlay, a component folder, a file reference and the legacy bases field', () => {
    write('k8s/overlays/prod/kustomization.yaml', kustomization(['../../base']));
    unlinkSync(join(root, 'k8s/overlays/prod/hpa.yaml'));
    write('k8s/overlays/prod-eu/kustomization.yaml', kustomization(['../prod', '../../components/autoscaling']));
    write('k8s/components/autoscaling/kustomization.yaml', ['apiVersion: kustomize.config.k8s.io/v1alpha1', 'kind: Component', 'resources:', '  - hpa.yaml', ''].join('\n'));
    write('k8s/components/autoscaling/hpa.yaml', hpa('web-eu', 'web', 3, 9));
    let got = lenses(new FolderAutoscalers(), base(), text, root);
    assert.equal(got.titles[0][0], 'MOrA: replicas left to the HPA web-eu (3..9): keep its bounds (the 3 replicas the load needs are within them) (in overlay ../overlays/prod-eu: ../../components/autoscaling/hpa.yaml)');
    // A kustomization listing the base's file, and one with the legacy `bases:`.
    rmSync(join(root, 'k8s/overlays'), { recursive: true });
    rmSync(join(root, 'k8s/components'), { recursive: true });
    write('k8s/overlays/a/kustomization.yaml', kustomization(['../../base/deployment.yaml', 'hpa.yaml']));
    write('k8s/overlays/a/hpa.yaml', hpa('api', 'api', 1, 6));
    write('k8s/overlays/b/kustomization.yaml', ['bases:', '  - ../../base', 'resources:', '  - hpa.yaml', ''].join('\n'));
    write('k8s/overlays/b/hpa.yaml', hpa('web', 'web', 2, 5));
    got = lenses(new FolderAutoscalers(), base(), text, root);
    assert.deepEqual(got.titles.map(([t, n]) => [t.replace(/\): .*? (\(in overlay)/, ') $1'), n]), [
      ['MOrA: replicas left to the HPA web (2..5) (in overlay ../overlays/b: hpa.yaml)', 0],
      ['MOrA: replicas left to the HPA api (1..6) (in overlay ../overlays/a: hpa.yaml)', 0],
    ]);
  });

  it('does not count: an HPA file an overlay does not list, an overlay of another base, an HPA in another namespace, a base that does not list the file, anything above the workspace folder', () => {
    write('k8s/overlays/prod/kustomization.yaml', kustomization(['../../base']));
    write('k8s/other-base/deployment.yaml', deployment('web', 2));
    write('k8s/overlays/other/kustomization.yaml', kustomization(['../../other-base', 'hpa.yaml']));
    write('k8s/overlays/other/hpa.yaml', hpa('web', 'web', 2, 8));
    const offers = [['MOrA: replicas 2 → 3', 1], ['MOrA: replicas 2 → 4', 1]];
    assert.deepEqual(lenses(new FolderAutoscalers(), base(), text, root).titles, offers);
    // The prod overlay lists its HPA (namespace shop) but sets no namespace: the base's Deployment stays in the default one.
    write('k8s/overlays/prod/kustomization.yaml', kustomization(['../../base', 'hpa.yaml']));
    assert.deepEqual(lenses(new FolderAutoscalers(), base(), text, root).titles, offers);
    // It sets it, but the base's kustomization no longer lists this file.
    write('k8s/overlays/prod/kustomization.yaml', kustomization(['../../base', 'hpa.yaml'], ['namespace: shop']));
    write('k8s/base/kustomization.yaml', kustomization(['other.yaml']));
    assert.deepEqual(lenses(new FolderAutoscalers(), base(), text, root).titles, offers);
    write('k8s/base/kustomization.yaml', kustomization(['deployment.yaml']));
    // The workspace folder is k8s/base itself: nothing above it is searched.
    assert.deepEqual(lenses(new FolderAutoscalers(), base(), text, join(root, 'k8s', 'base')).titles, offers);
    assert.match(lenses(new FolderAutoscalers(), base(), text, root).titles[0][0], /in overlay \.\.\/overlays\/prod: hpa\.yaml/);
  });

  it('searches once, and again when a folder or file it read changes (an overlay created, its HPA edited), lost watcher event or not', () => {
    rmSync(join(root, 'k8s/overlays'), { recursive: true });
    let now = 0;
    const folder = new FolderAutoscalers(() => now);
    for (let i = 0; i < 30; i++) assert.deepEqual(lenses(folder, base(), text, root).titles[0], ['MOrA: replicas 2 → 3', 1]);
    assert.equal(folder.overlayReads, 1);
    write('k8s/overlays/prod/kustomization.yaml', kustomization(['../../base', 'hpa.yaml']));
    write('k8s/overlays/prod/hpa.yaml', hpa('web', 'web', 2, 8));
    assert.equal(folder.changedOnDisk(base()), false, 'compared with the disk at most once a second');
    now += OVERLAY_CHECK_MS;
    assert.equal(folder.changedOnDisk(base()), true, 'k8s/ gained a folder: its mtime moved');
    assert.match(lenses(folder, base(), text, root).titles[0][0], /HPA web \(2\.\.8\)/);
    write('k8s/overlays/prod/hpa.yaml', hpa('web', 'web', 1, 2));
    assert.equal(folder.invalidate(join(root, 'k8s/overlays/prod/hpa.yaml')), true, 'a watcher event on a file it read');
    assert.match(lenses(folder, base(), text, root).titles[0][0], /HPA web \(1\.\.2\)/);
    assert.equal(folder.overlayReads, 3);
  });

  it('reads a kustomization\'s references, not remote ones, and nothing from another kind', () => {
    assert.deepEqual(kustomizationRefs('resources:\n  - ../../base\n  - https://github.com/x/y//deploy?ref=v1\n  - github.com/x/y/deploy?ref=v1\n  - hpa.yaml\nbases: [../b]\ncomponents: [../../c]\nnamespace: shop\n'),
      { paths: ['../../base', 'hpa.yaml', '../b', '../../c'], namespace: 'shop' });
    assert.equal(kustomizationRefs('apiVersion: v1\nkind: ConfigMap\nresources: [a]\n'), undefined);
    assert.equal(kustomizationRefs('resources: [a\n'), undefined);
  });
});
