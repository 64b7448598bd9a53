// How an experiment scales a workload, against a REAL kube-apiserver (control-plane.ts) and the real `mora` CLI process.
// No kubelet and no controller-manager run: a Deployment scaled up never gets ready replicas unless the test writes
// its status, which is how "waiting for the replicas" is held open. No Prometheus is needed before the first level.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControlPlane } from '../harness/control-plane';

const ROOT = path.join(__dirname, '..', '..');

async function until(what: string, ms: number, check: () => boolean | Promise<boolean>, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function runCli(args: string[], children: ChildProcess[]): { child: ChildProcess; stderr: () => string; stdout: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'mora.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '', stdout = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000); // bounded, whatever happens
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => { clearTimeout(killer); r(c); }));
  return { child, stderr: () => stderr, stdout: () => stdout, exited };
}

describe('experiment scaling on a real kube-apiserver (real CLI)', function () {
  this.timeout(180_000);
  let cp: ControlPlane | undefined;
  let dir: string;
  let kubeconfig: string;
  const children: ChildProcess[] = [];

  before(async function () {
    this.timeout(120_000);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-exp-scaling-'));
    cp = await ControlPlane.start();
    await cp.createNamespace('shop');
    kubeconfig = cp.writeKubeconfig([{ name: 'mora-real', credentials: cp.admin, namespace: 'shop' }], 'shop');
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await cp?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const spec = async (name: string, c = cp!) => ((await c.get('apps/v1', 'Deployment', 'shop', name)).spec as { replicas: number }).replicas;

  it('mora experiment: Ctrl-C while waiting for the replicas is a cancel (partial, exit 130), the count put back', async () => {
    await cp!.createDeployment('shop', { name: 'wait', replicas: 1, containers: [{ name: 'server', image: 'sample:1' }] });
    const out = path.join(dir, 'wait');
    const run = runCli(['experiment', '--target', 'http://127.0.0.1:9/', '--prometheus', 'http://127.0.0.1:9', '--levels', '10', '--duration', '2s',
      '--scrape-interval', '1s', '--out', out, '--workload', 'Deployment/wait', '--namespace', 'shop', '--replicas', '2',
      '--kubeconfig', kubeconfig, '--context', 'mora-real', '--format', 'json'], children);
    await until('the CLI to wait for 2 ready replicas', 60_000, () => /scaling Deployment\/wait to 2 replica\(s\) and waiting/.test(run.stderr()) || run.child.exitCode !== null, run.stderr);
    await until('spec.replicas 2', 30_000, async () => (await spec('wait')) === 2 || run.child.exitCode !== null, run.stderr);
    run.child.kill('SIGINT');
    assert.equal(await run.exited, 130, run.stderr());
    const res = JSON.parse(run.stdout()) as { status: string; json: string };
    assert.equal(res.status, 'partial');
    const doc = JSON.parse(fs.readFileSync(res.json, 'utf8')) as { status: string; error?: string; interrupted?: string; scaling: { restored: boolean } };
    assert.deepEqual([doc.status, doc.error, doc.scaling.restored], ['partial', undefined, true]);
    assert.match(doc.interrupted ?? '', /cancelled while waiting for the replicas/);
    assert.equal(await spec('wait'), 1);
  });
});
