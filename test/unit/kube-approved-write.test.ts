// The write a person approves is the diff they saw, or nothing. `mora recommend --apply-cluster` shows the diff of a
// server-side dry run and asks; if someone else changes the workload while the question is open, the patch must not
// land on the new object (the diff said cpu "1" → 250m; applying it over someone's cpu 4 is not what was approved).
// A fake API server (plain HTTP) that honours the resourceVersion precondition as the real one does; the "someone
// else" writes from inside the confirm callback, i.e. while the prompt is open. Also: Ctrl-C at the prompt.
import * as assert from 'node:assert/strict';
import type * as http from 'node:http';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Recommendation } from '../../src/core/recommendation';
import type { WorkloadRef } from '../../src/core/workload';
import { ApplyToClusterFailure, PromptInterrupted, applyToCluster, askOnTerminal } from '../../src/cli/commands/apply-to-cluster';
import { EXIT_INTERRUPTED, EXIT_USAGE } from '../../src/cli/errors';
import { applyApproved, planApply } from '../../src/data/kube/apply-plan';
import { ChangedSincePreview, KubeClient } from '../../src/data/kube/client';
import { until } from '../harness/wait';
import { fakeApiKubeconfigPerSuite } from './helpers/fake-api-kubeconfig';
import { LoopbackHttpServer } from './helpers/loopback-http-server';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One Deployment; PATCH merges container requests and replicas, refusing a stale resourceVersion with 409. */
class FakeApiServer extends LoopbackHttpServer {
  deployment: Json = {};
  /** Each PATCH as `<dry|write> rv=<its precondition>` and its answer's status. */
  patches: string[] = [];
  gets = 0;
  /** Someone else's write, made just before the next non-dry PATCH is judged (a race lost at the last moment). */
  beforeNextWrite?: () => void;

  constructor() {
    super();
    this.reset();
  }

  reset(): void {
    this.patches = [];
    this.gets = 0;
    this.beforeNextWrite = undefined;
    this.deployment = {
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop', resourceVersion: '100', generation: 1 },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: {
        containers: [{ name: 'app', image: 'shop/web:1', resources: { requests: { cpu: '1', memory: '1Gi' } } }],
      } } },
      status: { replicas: 2, readyReplicas: 2 },
    };
  }

  /** Another writer: sets fields and bumps the resourceVersion, as any write to the object does. */
  otherWrite(change: (d: Json) => void): void {
    change(this.deployment);
    this.deployment.metadata.resourceVersion = String(Number(this.deployment.metadata.resourceVersion) + 100);
  }

  get cpu(): string {
    return this.deployment.spec.template.spec.containers[0].resources.requests.cpu;
  }

  private send(res: http.ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  protected answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const [url, query = ''] = (req.url ?? '').split('?');
    if (/\/(limitranges|resourcequotas)$/.test(url)) return this.send(res, 200, { kind: 'List', items: [] });
    if (url !== '/apis/apps/v1/namespaces/shop/deployments/web') return this.send(res, 404, { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });
    if (req.method === 'GET') {
      this.gets++;
      return this.send(res, 200, this.deployment);
    }
    if (req.method !== 'PATCH') return this.send(res, 405, {});
    const dryRun = query.includes('dryRun');
    if (!dryRun && this.beforeNextWrite) {
      const f = this.beforeNextWrite;
      this.beforeNextWrite = undefined;
      f();
    }
    const patch = JSON.parse(body) as Json;
    const rv = patch.metadata?.resourceVersion;
    const conflict = rv !== undefined && rv !== this.deployment.metadata.resourceVersion;
    this.patches.push(`${dryRun ? 'dry' : 'write'} rv=${rv} ${conflict ? 409 : 200}`);
    if (conflict) {
      return this.send(res, 409, { kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409,
        message: 'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again' });
    }
    const next = JSON.parse(JSON.stringify(this.deployment)) as Json;
    if (patch.spec?.replicas !== undefined) next.spec.replicas = patch.spec.replicas;
    for (const c of (patch.spec?.template?.spec?.containers ?? []) as Json[]) {
      const target = (next.spec.template.spec.containers as Json[]).find((x) => x.name === c.name)!;
      target.resources = { ...target.resources, requests: { ...target.resources.requests, ...c.resources?.requests } };
    }
    next.metadata.resourceVersion = String(Number(this.deployment.metadata.resourceVersion) + 1);
    if (!dryRun) this.deployment = next;
    this.send(res, 200, next);
  }
}

describe('Apply to Cluster: the approved diff is what gets applied, or nothing', function () {
  this.timeout(20_000);
  const api = new FakeApiServer();
  const ref: WorkloadRef = { context: 't', namespace: 'shop', kind: 'Deployment', name: 'web' };
  const rec = { workload: ref, containers: [{ container: 'app', cpu: { request: { value: 0.25 } } }] } as unknown as Recommendation;
  const cluster = fakeApiKubeconfigPerSuite(api, { context: 't', token: 'approved-write-test-token' }, 'mora-approved-');
  let kube: KubeClient;

  before(() => {
    kube = KubeClient.load({ kubeconfig: cluster.kubeconfig, env: {}, home: cluster.dir, connectTimeoutMs: 0 });
  });
  beforeEach(() => api.reset());

  /** Where the undo record goes (written after the prompt, before the patch), and the line naming it. */
  const undoFile = () => path.join(cluster.dir, 'undo.yaml');
  const recorded = () => `previous values recorded in ${undoFile()} (to put them back: mora recommend --undo ${undoFile()})`;
  const stopped = 'mora: stopped at the failure above: patched 0 of 1 workload(s); not patched: Deployment shop/web (context t) (failed)';

  /** `mora recommend --apply-cluster` after its dry run, answering yes; `meanwhile` runs while the prompt is open. */
  async function applyWithPrompt(meanwhile: () => void): Promise<{ out: string; err: string[]; error?: unknown }> {
    const r: { out: string; err: string[]; error?: unknown } = { out: '', err: [] };
    await applyToCluster(kube, [rec], { dryRun: false, yes: false, replicas: false, quiet: false, undoRecord: undoFile() }, {
      out: (t) => { r.out += t; },
      err: (l) => r.err.push(l),
      confirm: async () => { meanwhile(); return true; },
    }).catch((e: unknown) => { r.error = e; });
    return r;
  }

  it('someone changes the resources while the prompt is open: nothing is applied, the change is named, exit 2', async () => {
    const r = await applyWithPrompt(() => api.otherWrite((d) => { d.spec.template.spec.containers[0].resources.requests.cpu = '4'; }));
    assert.match(r.out, /^-\s+cpu: "1"$/m);
    assert.match(r.out, /^\+\s+cpu: 250m$/m);
    assert.equal(api.cpu, '4', 'the other writer\'s cpu 4 stays');
    assert.deepEqual(api.patches, ['dry rv=100 200', 'write rv=100 409'], 'the write is pinned to the previewed object, and not re-sent');
    assert.deepEqual(r.err, [recorded(), 'mora: Deployment/web changed since the preview (resourceVersion 100 → 200): nothing was applied; run again to see the new diff', stopped]);
    assert.ok(r.error instanceof ApplyToClusterFailure, String(r.error));
    assert.equal(r.error.exitCode, EXIT_USAGE);
    assert.equal(r.error.message, '--apply-cluster: 1 workload(s) were not patched (named above)');
  });

  it('replicas changed meanwhile (an HPA, kubectl scale) while MOrA writes only resources: the patch still changes what the diff showed, so it goes ahead', async () => {
    const r = await applyWithPrompt(() => api.otherWrite((d) => { d.spec.replicas = 5; }));
    assert.equal(r.error, undefined, String(r.error));
    assert.equal(api.cpu, '250m');
    assert.equal(api.deployment.spec.replicas, 5, 'the HPA\'s count stays');
    assert.deepEqual(r.err, [recorded(), 'patched Deployment shop/web (context t, resourceVersion 201, after 1 conflict(s))']);
  });

  it('replicas changed meanwhile when MOrA writes replicas too (--replicas): a change in what the patch writes, nothing applied', async () => {
    const withReplicas = { ...rec, replicas: { recommended: { value: 3 } } } as unknown as Recommendation;
    const r: { err: string[]; error?: unknown } = { err: [] };
    await applyToCluster(kube, [withReplicas], { dryRun: false, yes: false, replicas: true, quiet: false, undoRecord: undoFile() }, {
      out: () => undefined,
      err: (l) => r.err.push(l),
      confirm: async () => { api.otherWrite((d) => { d.spec.replicas = 5; }); return true; },
    }).catch((e: unknown) => { r.error = e; });
    assert.equal(api.cpu, '1');
    assert.equal(api.deployment.spec.replicas, 5);
    assert.deepEqual(r.err, [recorded(), 'mora: Deployment/web changed since the preview (resourceVersion 100 → 200): nothing was applied; run again to see the new diff', stopped]);
  });

  it('nothing changed meanwhile: one write, pinned to the previewed resourceVersion, without reading the object again', async () => {
    let getsAtPrompt = -1;
    const r = await applyWithPrompt(() => { getsAtPrompt = api.gets; });
    assert.equal(r.error, undefined);
    assert.equal(api.cpu, '250m');
    assert.deepEqual(api.patches, ['dry rv=100 200', 'write rv=100 200']);
    assert.equal(api.gets, getsAtPrompt, 'the write went to the previewed object, not to one read after the prompt');
    assert.deepEqual(r.err, [recorded(), 'patched Deployment shop/web (context t, resourceVersion 101)']);
  });

  it('only the status moved meanwhile (a pod restarted): the diff still says exactly what the patch does, so it goes ahead', async () => {
    const r = await applyWithPrompt(() => api.otherWrite((d) => { d.status.readyReplicas = 1; }));
    assert.equal(r.error, undefined);
    assert.equal(api.cpu, '250m');
    assert.deepEqual(api.patches, ['dry rv=100 200', 'write rv=100 409', 'write rv=200 200']);
    assert.deepEqual(r.err, [recorded(), 'patched Deployment shop/web (context t, resourceVersion 201, after 1 conflict(s))']);
  });

  it('the library: applyApproved throws ChangedSincePreview when the object changes between its re-read and its retry', async () => {
    const plan = await planApply(kube, ref, { containers: [{ container: 'app', requests: { cpu: 0.25 } }] });
    api.otherWrite((d) => { d.status.readyReplicas = 1; }); // a status update: the first write conflicts
    api.beforeNextWrite = () => api.otherWrite((d) => { d.spec.template.spec.containers[0].resources.requests.memory = '2Gi'; });
    // The first write (rv 100) meets the status update → re-read (rv 200), unchanged → write rv 200, but the memory
    // change lands first (rv 300) → re-read: changed → stop.
    const err = await applyApproved(kube, plan).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ChangedSincePreview, String(err));
    assert.equal(err.kind, 'conflict');
    assert.equal(err.message, 'Deployment/web changed since the preview (resourceVersion 100 → 300): nothing was applied; run again to see the new diff');
    assert.equal(api.deployment.spec.template.spec.containers[0].resources.requests.memory, '2Gi');
    assert.equal(api.cpu, '1');
  });

  it('writes no one previewed (the experiments\' scaling, its restore) still read again and retry on a conflict', async () => {
    api.beforeNextWrite = () => api.otherWrite((d) => { d.status.readyReplicas = 1; });
    const r = await kube.scale(ref, 3);
    assert.equal(r.attempts, 2);
    assert.equal(api.deployment.spec.replicas, 3);
    assert.deepEqual(api.patches, ['write rv=100 409', 'write rv=200 200']);
  });
});

describe('the [y/N] prompt (askOnTerminal)', () => {
  const terminal = () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (c: Buffer) => { shown += c.toString(); });
    return { input, output, shown: () => shown };
  };

  it('y / yes is yes; anything else, and end of input (Ctrl-D), is no', async () => {
    for (const [typed, want] of [['y\n', true], ['YES\n', true], ['n\n', false], ['\n', false], ['sure\n', false]] as const) {
      const t = terminal();
      const answer = askOnTerminal('Patch? [y/N] ', { input: t.input, output: t.output, terminal: false });
      t.input.write(typed);
      assert.equal(await answer, want, JSON.stringify(typed));
    }
    const t = terminal();
    const answer = askOnTerminal('Patch? [y/N] ', { input: t.input, output: t.output, terminal: false });
    t.input.end();
    assert.equal(await answer, false);
  });

  it('Ctrl-C: "nothing was changed" with exit 130, instead of a question that never resolves (and exit 0)', async () => {
    const t = terminal();
    const answer = askOnTerminal('Patch? [y/N] ', { input: t.input, output: t.output, terminal: true });
    t.input.write('\x03');
    const err = await answer.then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof PromptInterrupted, String(err));
    assert.equal(err.exitCode, EXIT_INTERRUPTED);
    assert.equal(err.exitCode, 130);
    assert.match(err.message, /nothing was changed/);
    assert.match(t.shown(), /Patch\? \[y\/N\] /);
  });

  it('Ctrl-C at the --apply-cluster prompt: the interrupt reaches the command (exit 130) and nothing is written', async () => {
    const writes: unknown[] = [];
    const t = terminal();
    const before = { metadata: { name: 'web', namespace: 'shop', resourceVersion: '1' }, spec: { replicas: 1, template: { spec: { containers: [{ name: 'app', resources: { requests: { cpu: '1' } } }] } } } };
    const after = { ...before, spec: { replicas: 1, template: { spec: { containers: [{ name: 'app', resources: { requests: { cpu: '250m' } } }] } } } };
    const client = {
      applyResources: async (_r: WorkloadRef, _c: unknown, o: { dryRun?: boolean }) => {
        if (!o.dryRun) writes.push(o);
        return { resourceVersion: '2', attempts: 1, dryRun: true, before, after };
      },
      podAdmissionObjects: async () => ({ limitRanges: [], quotas: [], warnings: [] }),
    };
    const rec = { workload: { context: 't', namespace: 'shop', kind: 'Deployment', name: 'web' }, containers: [{ container: 'app', cpu: { request: { value: 0.25 } } }] } as unknown as Recommendation;
    const run = applyToCluster(client, [rec], { dryRun: false, yes: false, replicas: false, quiet: false }, {
      out: () => undefined, err: () => undefined,
      confirm: (q) => askOnTerminal(q, { input: t.input, output: t.output, terminal: true }),
    });
    // Ctrl-C once the question is on the screen.
    assert.match(await until(async () => t.shown(), (s) => s.includes('[y/N]'), 5_000, 5), /\[y\/N\] /);
    t.input.write('\x03');
    const err = await run.then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof PromptInterrupted, String(err));
    assert.equal(err.exitCode, 130);
    assert.deepEqual(writes, []);
  });
});
