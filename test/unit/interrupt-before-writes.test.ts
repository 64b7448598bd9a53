/**
 * The write commands that talk to a cluster or a load target — `mora recommend --apply-cluster` and `--undo`, `mora
 * experiment`, `mora experiment run` — stopped by Ctrl-C, SIGTERM or SIGHUP before they change anything (while the
 * cluster is read, the patches previewed by the server-side dry run, Prometheus checked): one line, 'mora: interrupted
 * (SIGTERM) before anything was written; nothing was changed', exit 130. Before, recommend and experiment run were
 * killed by the signal's default action with nothing said, and `mora experiment` said 'the running level is dropped;
 * writing the completed levels' with no level run. The API server, Prometheus and target here are one double that
 * takes each request and never answers, so the run waits on it; the test signals once the double has a request (a
 * deadline, no fixed sleep). (Manifests: manifests-apply-cancel.test.ts.)
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeKubeconfig } from './helpers/kubeconfig';
import { cleanEnv, startMora } from './helpers/run-cli';

describe('a signal before a cluster or load write: one line, exit 130, nothing changed', function () {
  this.timeout(60_000);
  let dir: string;
  let server: Server;
  let url: string;
  let held: ServerResponse[];
  let requests: string[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mora-write-interrupt-'));
    held = [];
    requests = [];
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      requests.push(`${req.method} ${req.url}`);
      held.push(res); // never answered: the run waits here
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    for (const res of held) res.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts `mora <args>`, signals it once the double has a request, and checks it ended by itself: 130, the one line. */
  async function signalWhileWaiting(args: string[], signal: NodeJS.Signals): Promise<{ err: string }> {
    const { child, result } = startMora(args, cleanEnv({ HOME: dir, XDG_STATE_HOME: join(dir, 'state') }));
    let ended: string | undefined;
    void result.then((r) => { ended = `code ${r.code}, signal ${r.signal}, stderr: ${r.err}`; });
    const deadline = Date.now() + 30_000;
    while (requests.length === 0) {
      if (ended !== undefined) assert.fail(`the run ended before it asked the cluster anything: ${ended}`);
      if (Date.now() > deadline) assert.fail('no request to the cluster within 30 s');
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill(signal);
    const r = await result;
    assert.equal(r.signal, null, `ended by ${r.signal}, not by itself: ${r.err}`);
    assert.equal(r.code, 130, r.err);
    assert.equal(r.out, '');
    assert.ok(r.err.endsWith(`mora: interrupted (${signal}) before anything was written; nothing was changed\n`), r.err);
    assert.equal(r.err.split('\n').filter((l) => l.startsWith('mora: ')).length, 1, r.err);
    return r;
  }

  it('--apply-cluster --yes, SIGTERM while the cluster is read: one line, exit 130', async () => {
    const kubeconfig = writeKubeconfig(dir, { context: 'x', server: url, token: 't0k3n' });
    await signalWhileWaiting(['recommend', '--source', 'cluster', '--kubeconfig', kubeconfig, '--prometheus', url, '--apply-cluster', '--yes'], 'SIGTERM');
  });

  it('--undo <record> --yes, Ctrl-C while the undo is previewed (the server-side dry run): one line, exit 130, the record as it was', async () => {
    const kubeconfig = writeKubeconfig(dir, { context: 'x', server: url, token: 't0k3n' });
    const record = join(dir, 'undo.yaml');
    const text = [
      'kind: MoraUndoRecord', 'version: 1', 'created: 2026-11-30T00:00:00.000Z', 'workloads:',
      '  - status: patched', '    context: x', '    kind: Deployment', '    namespace: shop', '    name: web',
      '    previous: { containers: [{ container: app, requests: { cpu: 100m } }] }',
      '    patchedTo: "containers:\\n  - name: app\\n    resources:\\n      requests:\\n        cpu: 50m\\n"',
      '    before: "containers:\\n  - name: app\\n    resources:\\n      requests:\\n        cpu: 100m\\n"', '',
    ].join('\n');
    writeFileSync(record, text);
    await signalWhileWaiting(['recommend', '--undo', record, '--kubeconfig', kubeconfig, '--yes'], 'SIGINT');
    assert.ok(requests.every((r) => !r.startsWith('PATCH') || r.includes('dryRun=All')), `nothing but dry runs sent: ${requests.join(', ')}`);
    assert.equal(readFileSync(record, 'utf8'), text, 'the record as it was');
  });

  it('mora experiment, Ctrl-C while Prometheus is checked: that one line (no "writing the completed levels"), exit 130, --out not created', async () => {
    const out = join(dir, 'out');
    await signalWhileWaiting(['experiment', '--target', `${url}/`, '--prometheus', url, '--levels', '1,2', '--duration', '5s', '--out', out], 'SIGINT');
    assert.equal(existsSync(out), false, '--out not created');
  });

  it('mora experiment run <plan> --yes, SIGTERM while Prometheus is checked: one line, exit 130, no record', async () => {
    const plan = join(dir, 'plan.yaml');
    const out = join(dir, 'out');
    writeFileSync(plan, `prometheus: ${url}\nscrapeInterval: 1s\nrateCap: 100\nout: ${out}\nname: shop\nservices:\n`
      + `  - name: cart\n    target: ${url}/\n    replicas: [1]\n    levels: [1, 2]\n    duration: 6s\n    slo: { latencyP95Ms: 50 }\n`);
    const r = await signalWhileWaiting(['experiment', 'run', plan, '--yes'], 'SIGTERM');
    assert.match(r.err, /^plan shop: 2 cell\(s\)/, 'the plan was described before the checks');
    assert.equal(existsSync(out), false, 'no record written');
  });
});
