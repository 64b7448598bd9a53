// The way out a kubeconfig error names, in the caller's words: VS Code's popups (Recommend, Show Forecast, Health Check,
// Run Experiment) name the mora.kubeconfig setting and the MOrA: Use the Demo Data / Reload Kubeconfig commands, never
// the CLI's --kubeconfig / --context / --source demo; the CLI's text is unchanged (kubeconfig.test.ts holds its exact
// wording too).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClusterDataSource } from '../../src/data/cluster';
import { KubeClient } from '../../src/data/kube/client';
import { connectKube } from '../../src/data/kube/connection';
import { KubeError } from '../../src/data/kube/errors';
import { kubectlFor } from '../../src/data/kube/kubeconfig';
import { PrometheusDiscovery } from '../../src/data/kube/prometheus-discovery';
import { EDITOR_KUBECONFIG_HINT } from '../../src/extension/kubeconfig-hint';

const caught = (f: () => unknown): KubeError => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof KubeError, String(e));
    return e;
  }
  return assert.fail('expected a KubeError');
};

/** The editor's way out, and no CLI flag. */
const editorWords = (message: string) => {
  assert.match(message, /mora\.kubeconfig/, message);
  assert.match(message, /MOrA: Use the Demo Data/, message);
  assert.doesNotMatch(message, /--kubeconfig|--source/, message);
};

describe('kubeconfig errors name the caller\'s way out (CLI flags, or VS Code\'s setting and command)', () => {
  let dir: string;
  let home: string;
  let gone: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-kubeconfig-hint-'));
    home = path.join(dir, 'home');
    fs.mkdirSync(home);
    gone = path.join(dir, 'typo.yaml');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const noSa = () => path.join(dir, 'no-sa');

  it('the command title the editor hint names is package.json\'s mora.useDemo', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { contributes: { commands: Array<{ command: string; title: string; category?: string }> } };
    const useDemo = pkg.contributes.commands.find((c) => c.command === 'mora.useDemo');
    assert.ok(useDemo);
    assert.match(EDITOR_KUBECONFIG_HINT.none, new RegExp(`run ${useDemo.category}: ${useDemo.title}$`));
  });

  it('the command the no-current-context hint names is package.json\'s mora.reloadKubeconfig', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { contributes: { commands: Array<{ command: string; title: string; category?: string }> } };
    const reload = pkg.contributes.commands.find((c) => c.command === 'mora.reloadKubeconfig');
    assert.ok(reload);
    assert.match(EDITOR_KUBECONFIG_HINT.noCurrentContext('kubectl'), new RegExp(`then ${reload.category}: ${reload.title}$`));
  });

  it('the kubectl a hint names reads the kubeconfig MOrA read: --kubeconfig for a named file, KUBECONFIG for a named list', () => {
    assert.equal(kubectlFor({ kind: 'files', files: ['/k/home'], from: 'home' }), 'kubectl');
    assert.equal(kubectlFor({ kind: 'files', files: ['/k/a', '/k/b'], from: 'KUBECONFIG' }), 'kubectl');
    assert.equal(kubectlFor({ kind: 'files', files: ['/k/dev.yaml'], from: 'explicit' }), 'kubectl --kubeconfig /k/dev.yaml');
    assert.equal(kubectlFor({ kind: 'files', files: ['/k/a', '/k/b'], from: 'explicit' }), `KUBECONFIG=/k/a${path.delimiter}/k/b kubectl`);
    // A path a shell would split or expand is quoted, a quote inside it escaped.
    assert.equal(kubectlFor({ kind: 'files', files: ["/k/my team's/config"], from: 'explicit' }), `kubectl --kubeconfig '/k/my team'\\''s/config'`);
  });

  it('on Windows a named list is set the PowerShell way, `;`-separated (`KUBECONFIG=a:b kubectl` runs in no Windows shell)', () => {
    const list = { kind: 'files' as const, files: ['C:\\k\\a', 'C:\\k\\b'], from: 'explicit' as const };
    assert.equal(kubectlFor(list, 'win32'), "$env:KUBECONFIG='C:\\k\\a;C:\\k\\b'; kubectl");
    assert.equal(kubectlFor({ kind: 'files', files: ["C:\\k\\o'brien"], from: 'explicit' }, 'win32'), "kubectl --kubeconfig 'C:\\k\\o''brien'");
    assert.equal(kubectlFor({ kind: 'files', files: ['/k/a', '/k/b'], from: 'explicit' }, 'linux'), 'KUBECONFIG=/k/a:/k/b kubectl');
  });

  it('no kubeconfig anywhere: the editor\'s hint names mora.kubeconfig and Use the Demo Data', () => {
    const e = caught(() => KubeClient.load({ env: {}, home, serviceAccountDir: noSa(), kubeconfigHint: EDITOR_KUBECONFIG_HINT }));
    assert.equal(e.kind, 'no-kubeconfig');
    assert.equal(e.message, `no kubeconfig found: KUBECONFIG is not set; ${path.join(home, '.kube', 'config')} does not exist; not running in a pod `
      + '(KUBERNETES_SERVICE_HOST is not set) — log in to your cluster (e.g. gcloud container clusters get-credentials, aws eks update-kubeconfig, '
      + 'az aks get-credentials) or set mora.kubeconfig to your kubeconfig file, or run MOrA: Use the Demo Data');
    editorWords(e.message);
    // The in-cluster classes (VPA reader/writer, the model lock) and discovery take the same hint.
    editorWords(caught(() => connectKube({ env: {}, home, serviceAccountDir: noSa(), kubeconfigHint: EDITOR_KUBECONFIG_HINT })).message);
    editorWords(caught(() => new PrometheusDiscovery({ env: {}, home, serviceAccountDir: noSa(), kubeconfigHint: EDITOR_KUBECONFIG_HINT })).message);
  });

  it('a mistyped mora.kubeconfig: the editor\'s hint says to fix the setting, or use the demo', () => {
    const e = caught(() => KubeClient.load({ kubeconfig: gone, env: {}, home, kubeconfigHint: EDITOR_KUBECONFIG_HINT }));
    assert.equal(e.kind, 'config');
    assert.equal(e.message, `the kubeconfig ${gone} does not exist — fix the mora.kubeconfig setting (or clear it to read KUBECONFIG or ~/.kube/config), or run MOrA: Use the Demo Data`);
    editorWords(caught(() => connectKube({ kubeconfig: gone, env: {}, home, kubeconfigHint: EDITOR_KUBECONFIG_HINT })).message);
    editorWords(caught(() => new PrometheusDiscovery({ kubeconfig: gone, env: {}, home, kubeconfigHint: EDITOR_KUBECONFIG_HINT })).message);
  });

  it('a kubeconfig without contexts: the editor\'s hint, not --kubeconfig', () => {
    const empty = path.join(dir, 'empty.yaml');
    fs.writeFileSync(empty, 'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n');
    const e = caught(() => KubeClient.load({ kubeconfig: empty, env: {}, home, kubeconfigHint: EDITOR_KUBECONFIG_HINT }));
    assert.equal(e.message, `the kubeconfig ${empty} has no contexts — run your cluster's login command or set mora.kubeconfig to another file, or run MOrA: Use the Demo Data`);
    editorWords(e.message);
    // The CLI: as before.
    assert.equal(caught(() => KubeClient.load({ kubeconfig: empty, env: {}, home })).message, `the kubeconfig ${empty} has no contexts — run your cluster's login command or pass --kubeconfig`);
  });

  it('without a hint (the CLI) the messages are the CLI\'s, word for word', () => {
    const none = `no kubeconfig found: KUBECONFIG is not set; ${path.join(home, '.kube', 'config')} does not exist; not running in a pod `
      + '(KUBERNETES_SERVICE_HOST is not set) — log in to your cluster (e.g. gcloud container clusters get-credentials, aws eks update-kubeconfig, '
      + 'az aks get-credentials) or pass --kubeconfig <file>, or try --source demo';
    assert.equal(caught(() => KubeClient.load({ env: {}, home, serviceAccountDir: noSa() })).message, none);
    assert.equal(caught(() => connectKube({ env: {}, home, serviceAccountDir: noSa() })).message, none);
    assert.equal(caught(() => new PrometheusDiscovery({ env: {}, home, serviceAccountDir: noSa() })).message, none);
    const missing = `the kubeconfig ${gone} does not exist — pass --kubeconfig <file> or set KUBECONFIG`;
    assert.equal(caught(() => KubeClient.load({ kubeconfig: gone, env: {}, home })).message, missing);
    assert.equal(caught(() => connectKube({ kubeconfig: gone, env: {}, home })).message, missing);
    assert.equal(caught(() => new ClusterDataSource({ kubeconfig: gone }).kube()).message, missing);
  });

  describe('the cluster data source the extension builds (Recommend, Show Forecast, Health Check)', () => {
    const saved: Record<string, string | undefined> = {};
    const vars = ['KUBECONFIG', 'HOME', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT'];
    beforeEach(() => {
      for (const v of vars) saved[v] = process.env[v];
    });
    afterEach(() => {
      for (const v of vars) {
        if (saved[v] === undefined) delete process.env[v];
        else process.env[v] = saved[v];
      }
    });

    it('a mistyped mora.kubeconfig: contexts() and the health check say the editor\'s way out', async () => {
      const source = new ClusterDataSource({ kubeconfig: gone, kubeconfigHint: EDITOR_KUBECONFIG_HINT, prometheusUrlScope: 'current-context' });
      const err = await source.contexts().then(() => assert.fail('expected contexts() to fail'), (e: unknown) => e as Error);
      editorWords(err.message);
      const health = await source.health();
      assert.equal(health.ok, false);
      assert.ok(health.message.includes(`the kubeconfig ${gone} does not exist — fix the mora.kubeconfig setting`), health.message);
      editorWords(health.message);
    });

    it('no current-context (or one not defined): the editor\'s health check says kubectl and Reload Kubeconfig, the CLI\'s --context', async () => {
      const contexts = 'clusters: [{ name: c, cluster: { server: "https://127.0.0.1:1" } }]\nusers: [{ name: u, user: {} }]\n'
        + 'contexts: [{ name: a, context: { cluster: c, user: u } }, { name: b, context: { cluster: c, user: u } }]\n';
      const none = path.join(dir, 'none.yaml');
      fs.writeFileSync(none, `apiVersion: v1\nkind: Config\n${contexts}`);
      const stale = path.join(dir, 'stale.yaml');
      fs.writeFileSync(stale, `apiVersion: v1\nkind: Config\ncurrent-context: gone\n${contexts}`);
      const editor = (kubeconfig: string) => new ClusterDataSource({ kubeconfig, kubeconfigHint: EDITOR_KUBECONFIG_HINT, prometheusUrlScope: 'current-context' }).health();
      const noneHealth = await editor(none);
      assert.equal(noneHealth.ok, false);
      assert.equal(noneHealth.message, `the kubeconfig ${none} sets no current-context — run kubectl --kubeconfig ${none} config use-context <name> in a terminal, then MOrA: Reload Kubeconfig (contexts: "a", "b")`);
      const staleHealth = await editor(stale);
      assert.equal(staleHealth.message, `the kubeconfig ${stale} sets current-context "gone", which it does not define (contexts: "a", "b") — run kubectl --kubeconfig ${stale} config use-context <name> in a terminal, then MOrA: Reload Kubeconfig`);
      for (const m of [noneHealth.message, staleHealth.message]) assert.doesNotMatch(m, /--context|pass /, m);
      // The CLI (no hint): its --context, word for word as before.
      assert.equal((await new ClusterDataSource({ kubeconfig: none }).health()).message,
        `the kubeconfig ${none} sets no current-context — pass --context <name>, or run kubectl --kubeconfig ${none} config use-context <name> (contexts: "a", "b")`);
      assert.equal((await new ClusterDataSource({ kubeconfig: stale }).health()).message,
        `the kubeconfig ${stale} sets current-context "gone", which it does not define (contexts: "a", "b") — pass --context <name>, or run kubectl --kubeconfig ${stale} config use-context <name>`);
      // Read through KUBECONFIG (no setting, no flag), plain kubectl sets the context where MOrA reads it.
      const saved = process.env.KUBECONFIG;
      process.env.KUBECONFIG = none;
      try {
        assert.equal((await new ClusterDataSource({ kubeconfigHint: EDITOR_KUBECONFIG_HINT, prometheusUrlScope: 'current-context' }).health()).message,
          `the kubeconfig ${none} sets no current-context — run kubectl config use-context <name> in a terminal, then MOrA: Reload Kubeconfig (contexts: "a", "b")`);
      } finally {
        if (saved === undefined) delete process.env.KUBECONFIG;
        else process.env.KUBECONFIG = saved;
      }
    });

    it('no kubeconfig anywhere: contexts() and the health check say the editor\'s way out', async () => {
      // KUBECONFIG naming only a missing file: nothing found (kubectl then skips ~/.kube/config too); not in a pod.
      process.env.KUBECONFIG = gone;
      process.env.HOME = home;
      delete process.env.KUBERNETES_SERVICE_HOST;
      delete process.env.KUBERNETES_SERVICE_PORT;
      const source = new ClusterDataSource({ kubeconfigHint: EDITOR_KUBECONFIG_HINT, prometheusUrlScope: 'current-context' });
      const err = await source.contexts().then(() => assert.fail('expected contexts() to fail'), (e: unknown) => e as KubeError);
      assert.equal(err.kind, 'no-kubeconfig');
      assert.match(err.message, /^no kubeconfig found: KUBECONFIG names .*, which does not exist; .* or set mora\.kubeconfig to your kubeconfig file, or run MOrA: Use the Demo Data$/);
      editorWords(err.message);
      const health = await source.health();
      assert.equal(health.ok, false);
      editorWords(health.message);
    });
  });
});
