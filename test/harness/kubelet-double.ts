// A TEST DOUBLE FOR THE KUBELET (and the Deployment controller), for tests that scale a Deployment on the real
// kube-apiserver (control-plane.ts) with no kubelet running: it watches (polls) one Deployment's spec.replicas, runs
// that many sample-service processes (sample-service.ts), puts them behind a small round-robin HTTP proxy — the
// "Service" a load test targets — and reports status.readyReplicas once the processes are up. It also writes a
// Prometheus file_sd target file listing the running processes, so Prometheus scrapes each "pod" as it comes and goes.
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ControlPlane } from './control-plane';
import { startSampleService, type RunningSampleService, type SampleServiceOptions } from './sample-service';

type Json = Record<string, unknown>;

export interface KubeletDoubleOptions {
  cp: ControlPlane;
  namespace: string;
  name: string;
  /** How each "pod" (sample-service process) behaves. */
  service: SampleServiceOptions;
  /** Prometheus file_sd JSON this double keeps listing its processes in (with `labels`). */
  fileSd: string;
  labels: Record<string, string>;
  pollMs?: number;
}

export class KubeletDouble {
  private pods: RunningSampleService[] = [];
  private next = 0;
  private running = true;
  private loop?: Promise<void>;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  /** Requests the proxy has passed on to a pod (a test waits on it to act inside a cell's load). */
  forwarded = 0;
  /** Errors of the reconcile loop (the test prints them when something fails). */
  readonly errors: string[] = [];

  private constructor(private readonly opts: KubeletDoubleOptions, private readonly proxy: http.Server, readonly url: string) {}

  static async start(opts: KubeletDoubleOptions): Promise<KubeletDouble> {
    fs.writeFileSync(opts.fileSd, '[]\n');
    const ref: { self?: KubeletDouble } = {};
    const proxy = http.createServer((req, res) => ref.self!.forward(req, res));
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const self = ref.self = new KubeletDouble(opts, proxy, `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/`);
    await self.reconcile();
    self.loop = self.run();
    return self;
  }

  /** Processes running now. */
  get replicas(): number {
    return this.pods.length;
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const pods = this.pods;
    if (!pods.length) { res.writeHead(503); res.end('no ready pods\n'); return; }
    const pod = pods[this.next++ % pods.length];
    this.forwarded++;
    const up = http.request({ host: '127.0.0.1', port: pod.port, path: req.url, method: req.method, headers: req.headers, agent: this.agent }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', (e) => { if (!res.headersSent) res.writeHead(502); res.end(`${e.message}\n`); });
    req.pipe(up);
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.reconcile();
      } catch (e) {
        this.errors.push(String((e as Error)?.message ?? e));
      }
      await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 100));
    }
  }

  private writeTargets(): void {
    const targets = [{ targets: this.pods.map((p) => `127.0.0.1:${p.port}`), labels: this.opts.labels }];
    const tmp = `${this.opts.fileSd}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(targets)}\n`);
    fs.renameSync(tmp, this.opts.fileSd);
  }

  private async reconcile(): Promise<void> {
    const { cp, namespace, name } = this.opts;
    const d = await cp.get('apps/v1', 'Deployment', namespace, name);
    const meta = d.metadata as Json;
    const want = Number((d.spec as Json).replicas ?? 1);
    if (this.pods.length !== want) {
      while (this.pods.length < want) this.pods = [...this.pods, await startSampleService(this.opts.service)];
      while (this.pods.length > want) {
        const gone = this.pods[this.pods.length - 1];
        this.pods = this.pods.slice(0, -1); // out of the rotation before it stops
        await gone.stop();
      }
      this.writeTargets();
    }
    const st = (d.status ?? {}) as Json;
    if (Number(st.readyReplicas ?? 0) !== this.pods.length || st.observedGeneration !== meta.generation) {
      const n = this.pods.length;
      await cp.setStatus({ ...d, apiVersion: 'apps/v1', kind: 'Deployment' }, {
        observedGeneration: meta.generation, replicas: n, updatedReplicas: n, readyReplicas: n, availableReplicas: n,
      });
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await Promise.all(this.pods.map((p) => p.stop()));
    this.pods = [];
    this.agent.destroy();
    this.proxy.closeAllConnections();
    await new Promise<void>((r) => this.proxy.close(() => r()));
  }
}
