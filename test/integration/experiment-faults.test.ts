// Load experiments when things go wrong, on loopback: a dead target (a closed port) must get no more connection
// attempts than the level's rate allows and must not be reported as a complete run; an experiment that scales a
// workload (a Deployment on a REAL kube-apiserver, test/harness/control-plane.ts, the harness reporting rollouts as the
// Deployment controller would) puts the original replica count back at the end, on error and when interrupted, and
// notes it in its JSON from the start.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { experimentCommand, type ExperimentCliOptions } from '../../src/cli/commands/experiment';
import { UserError } from '../../src/cli/errors';
import { runLoadLevel } from '../../src/data/experiments/load';
import { ControlPlane } from '../harness/control-plane';
import { freeLoopbackPort } from '../harness/ports';
import { startPrometheus, type RunningPrometheus } from '../harness/prometheus';
import { startSampleService, type RunningSampleService } from '../harness/sample-service';

const ROOT = path.join(__dirname, '..', '..');

/** Resolves once `check` is true, polling; fails with `what` after `ms`. */
async function until(what: string, ms: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function jsons(dir: string): Array<Record<string, unknown> & { status: string; scaling?: { originalReplicas: number; restored: boolean } }> {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
}

/** Counts TCP connection attempts this process makes to `port` while `fn` runs (independently of the load generator's own counts). */
async function countConnects<T>(port: number, fn: () => Promise<T>): Promise<{ result: T; attempts: number }> {
  const original = net.Socket.prototype.connect;
  let attempts = 0;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const a = args[0];
    const o = (Array.isArray(a) ? a[0] : a) as { port?: number | string } | number | string;
    const p = typeof o === 'object' && o !== null ? o.port : o;
    if (Number(p) === port) attempts++;
    return (original as (...x: unknown[]) => net.Socket).apply(this, args);
  } as typeof original;
  try {
    const result = await fn();
    return { result, attempts };
  } finally {
    net.Socket.prototype.connect = original;
  }
}

describe('load experiments when things go wrong', function () {
  this.timeout(90_000);
  let out: string;
  // The out folder one level down: a run's workload lock goes beside it (plan-lock.ts), so inside this test's own folder.
  beforeEach(() => { out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mora-exp-fault-')), 'out'); fs.mkdirSync(out); });
  afterEach(() => fs.rmSync(path.dirname(out), { recursive: true, force: true }));

  it('a dead target (closed port) gets at most rate × duration connection attempts, not thousands per second', async () => {
    const port = await freeLoopbackPort();
    const rate = 10, duration = 2;
    const { result: stats, attempts } = await countConnects(port, () => runLoadLevel({ url: `http://127.0.0.1:${port}/`, rate, durationSeconds: duration }));
    assert.equal(stats.requests, 0, 'nothing answered');
    assert.ok(stats.errors > 0, 'the refused connections are counted as errors');
    // Slack: the level may run up to a second past its duration (autocannon stops on its 1 s tick), plus one initial
    // connection per client.
    const allowed = rate * (duration + 1) * 1.5 + 1;
    assert.ok(attempts <= allowed, `${attempts} connection attempts at ${rate} req/s for ${duration} s (allowed ${allowed})`);
    assert.ok(attempts >= rate * duration * 0.25, `${attempts} connection attempts: the target is still tried at the rate`);
  });

  it('a target that accepts and drops every connection gets at most rate × duration connections (counted by the server)', async () => {
    let connections = 0;
    const server = net.createServer((c) => { connections++; c.destroy(); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const rate = 20, duration = 2;
      const stats = await runLoadLevel({ url: `http://127.0.0.1:${port}/`, rate, durationSeconds: duration });
      assert.equal(stats.requests, 0);
      const allowed = rate * (duration + 1) * 1.5 + 2;
      assert.ok(connections <= allowed, `${connections} connections at ${rate} req/s for ${duration} s (allowed ${allowed})`);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  describe('with a real Prometheus', () => {
    let prom: RunningPrometheus | undefined;
    let svc: RunningSampleService | undefined;
    let deadPort: number;
    before(async () => {
      deadPort = await freeLoopbackPort();
      svc = await startSampleService({ cpuMsPerRequest: 1 });
      // Prometheus scrapes the dead port too: `up` is 0 there, so the run gets past its scrape check to the load.
      prom = await startPrometheus({
        scrapeConfigsYaml: `  - job_name: dead\n    scrape_interval: 1s\n    static_configs:\n      - targets: ['127.0.0.1:${deadPort}']\n`
          + `  - job_name: sample\n    scrape_interval: 1s\n    static_configs:\n      - targets: ['127.0.0.1:${svc.port}']\n`,
      });
    });
    after(async () => {
      await prom?.stop();
      await svc?.stop();
    });

    // Since 2026-11-30 the flag form checks the target with one GET before it writes or waits: a dead one is exit 3
    // at once, nothing written (before: a "failed" record after the wait and a level of refused connections).
    it('mora experiment against a dead target: exit 3 with one line naming --target, one connection attempt, nothing written', async () => {
      const opts: ExperimentCliOptions = {
        target: `http://127.0.0.1:${deadPort}/`, prometheus: prom!.url, levels: '10,50', duration: '2s', out, scrapeInterval: '1s', format: 'json',
      };
      const { result: err, attempts } = await countConnects(deadPort, () => experimentCommand(opts, () => undefined, () => undefined)
        .then(() => assert.fail('expected an error'), (e: Error) => e));
      assert.ok(err instanceof UserError, String(err));
      assert.equal(err.exitCode, 3);
      assert.doesNotMatch(err.message, /\n/);
      assert.equal(err.message, `--target http://127.0.0.1:${deadPort}/ refused the connection (ECONNREFUSED) — is the service running and listening there? check --target; nothing was sent or written`);
      assert.ok(attempts <= 1, `${attempts} connection attempts`);
      assert.deepEqual(jsons(out), []);
    });

    describe('scaling a workload (real kube-apiserver)', () => {
      let cp: ControlPlane | undefined;
      let controller: { stop(): Promise<void> } | undefined;
      let kubeconfig: string;
      let generation0 = 0;
      type Cart = { metadata: { generation: number }; spec: { replicas: number }; status?: { readyReplicas?: number } };
      const cart = async () => await cp!.get('apps/v1', 'Deployment', 'shop', 'cart') as Cart;
      const replicasNow = async () => (await cart()).spec.replicas;
      before(async function () {
        this.timeout(120_000);
        cp = await ControlPlane.start();
        await cp.createNamespace('shop');
        await cp.createDeployment('shop', { name: 'cart', replicas: 3, containers: [{ name: 'server', image: 'cart:1' }] });
        kubeconfig = cp.writeKubeconfig([{ name: 'mora-real', credentials: cp.admin, namespace: 'shop' }], 'shop');
        // No kube-controller-manager: the harness reports each scale as rolled out (status.readyReplicas = spec.replicas).
        controller = cp.startReplicaController(50);
      });
      after(async () => {
        await controller?.stop();
        await cp?.stop();
      });
      // Each test starts from 3 ready replicas (a previous one may have left another count only if it failed).
      beforeEach(async () => {
        if (await replicasNow() !== 3) await cp!.api('PATCH', '/apis/apps/v1/namespaces/shop/deployments/cart', { spec: { replicas: 3 } }, { contentType: 'application/merge-patch+json' });
        await until('cart to have 3 ready replicas', 20_000, async () => (await cart()).status?.readyReplicas === 3);
        generation0 = (await cart()).metadata.generation;
      });
      const args = (prometheus: string): ExperimentCliOptions => ({
        target: `${svc!.url}/`, prometheus, levels: '10', duration: '1s', out, scrapeInterval: '1s', format: 'json',
        workload: 'Deployment/cart', namespace: 'shop', replicas: '1,2', kubeconfig, context: 'mora-real',
      });

      it('--replicas 1,2 puts the original 3 back at the end, and the JSONs say so', async () => {
        const log: string[] = [];
        const code = await experimentCommand(args(prom!.url), () => undefined, (s) => log.push(s));
        assert.equal(code, 0, log.join(''));
        assert.equal(await replicasNow(), 3, log.join(''));
        // The real server bumps metadata.generation on each change of the spec (status writes do not).
        assert.equal((await cart()).metadata.generation - generation0, 3, 'scaled to 1, to 2, and back to 3');
        const docs = jsons(out);
        assert.equal(docs.length, 2);
        for (const d of docs) assert.deepEqual([d.status, d.scaling?.originalReplicas, d.scaling?.restored], ['complete', 3, true]);
        assert.match(log.join(''), /restored Deployment\/cart to 3 replica\(s\)/);
      });

      it('puts the original count back when the run fails (Prometheus failing after scaling)', async () => {
        // Prometheus answers the command's pre-check (vector(1), before anything is written or scaled), then 503s:
        // the run fails after the workload was scaled, and is recorded.
        let asked = 0;
        const flaky = http.createServer((_req, res) => {
          res.setHeader('content-type', 'application/json');
          if (asked++ === 0) return res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, '1'] }] } }));
          res.statusCode = 503;
          res.end(JSON.stringify({ status: 'error', errorType: 'unavailable', error: 'going away' }));
        });
        await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
        try {
          const err = await experimentCommand(args(`http://127.0.0.1:${(flaky.address() as net.AddressInfo).port}`), () => undefined, () => undefined).then(() => assert.fail('expected an error'), (e: Error) => e);
          assert.ok(err instanceof UserError && err.exitCode === 3, String(err));
          assert.match(err.message, /^Prometheus at .* answered 503 .*going away$/);
          assert.equal(await replicasNow(), 3);
          const [doc] = jsons(out);
          assert.deepEqual([doc.status, doc.scaling?.originalReplicas, doc.scaling?.restored], ['failed', 3, true]);
        } finally {
          flaky.close();
        }
      });

      it('Prometheus unreachable: exit 3 before the workload is read or scaled, nothing written', async () => {
        const port = await freeLoopbackPort();
        const fresh = path.join(out, 'fresh');
        const err = await experimentCommand({ ...args(`http://127.0.0.1:${port}`), out: fresh }, () => undefined, () => undefined).then(() => assert.fail('expected an error'), (e: Error) => e);
        assert.ok(err instanceof UserError && err.exitCode === 3, String(err));
        assert.match(err.message, /refused the connection .*; nothing was sent or written$/);
        assert.equal((await cart()).metadata.generation, generation0, 'the Deployment was not changed');
        assert.equal(fs.existsSync(fresh), false);
      });

      for (const sig of ['SIGINT', 'SIGTERM'] as const) {
        it(`mora experiment (the real process) interrupted with ${sig}: the JSON notes the original count while it runs, the count is put back, exit 130`, async () => {
          const a = args(prom!.url);
          const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'mora.js'), 'experiment', '--target', a.target, '--prometheus', a.prometheus,
            '--levels', '10,10', '--duration', '20s', '--scrape-interval', '1s', '--out', out, '--format', 'json',
            '--workload', 'Deployment/cart', '--namespace', 'shop', '--replicas', '1,2', '--kubeconfig', kubeconfig, '--context', 'mora-real'],
          { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
          let stderr = '';
          child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
          const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
          const killer = setTimeout(() => child.kill('SIGKILL'), 80_000); // bounded, whatever happens
          try {
            await until('the first level to start', 60_000, () => /level 1\/2/.test(stderr) || child.exitCode !== null);
            assert.equal(await replicasNow(), 1, stderr);
            // What a crash now would leave behind: a JSON with the original count.
            const running = jsons(out);
            assert.deepEqual(running.map((d) => [d.status, d.scaling?.originalReplicas, d.scaling?.restored]), [['running', 3, false]]);
            child.kill(sig);
            const code = await exited;
            assert.equal(code, 130, stderr);
          } finally {
            clearTimeout(killer);
            if (child.exitCode === null) child.kill('SIGKILL');
          }
          assert.equal(await replicasNow(), 3, stderr);
          assert.match(stderr, /interrupted — the running level is dropped; writing the completed levels and scaling Deployment\/cart back to 3/);
          const [doc] = jsons(out);
          assert.deepEqual([doc.status, doc.scaling?.originalReplicas, doc.scaling?.restored], ['partial', 3, true]);
        });
      }
    });
  });
});
