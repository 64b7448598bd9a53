// Status writes with bounded concurrency (issue 15): the pool's in-flight bound and order, --write-concurrency /
// MORA_WRITE_CONCURRENCY, Retry-After, and VpaWriter against a loopback HTTP double of the API server's status
// subresource that answers 429 (with Retry-After) before accepting, or always.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { forEachLimit } from '../../src/core/concurrency';
import { DEFAULT_WRITE_CONCURRENCY, writeConcurrencyFrom } from '../../src/cli/commands/recommend-in-cluster';
import { VpaWriter, retryAfterMs } from '../../src/data/kube/vpa-writer';
import type { VpaObject, VpaStatus } from '../../src/data/kube/vpa-status';
import { writeKubeconfig } from './helpers/kubeconfig';

describe('In-cluster status writes with bounded concurrency', () => {
  it('forEachLimit never has more than the limit in flight, starts every item once, in order', async () => {
    let inFlight = 0;
    let peak = 0;
    const started: number[] = [];
    await forEachLimit(Array.from({ length: 50 }, (_, i) => i), 4, async (x, i) => {
      assert.equal(x, i);
      started.push(x);
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
    });
    assert.deepEqual(started, Array.from({ length: 50 }, (_, i) => i));
    assert.equal(peak, 4);
    await forEachLimit([], 16, async () => assert.fail('no item'));
    await assert.rejects(forEachLimit([1], 0, async () => undefined), /positive integer/);
  });

  it('forEachLimit: an escaping error starts nothing more and is rethrown after the calls in flight settle', async () => {
    let settled = 0;
    const started: number[] = [];
    await assert.rejects(forEachLimit([0, 1, 2, 3, 4, 5], 2, async (x) => {
      started.push(x);
      if (x === 1) throw new Error('boom');
      await new Promise((r) => setImmediate(r));
      settled++;
    }), /boom/);
    assert.ok(!started.includes(5), `started ${started.join(',')}`);
    assert.equal(settled, started.length - 1, 'every started call but the failed one settled before the rejection');
  });

  it('--write-concurrency wins over MORA_WRITE_CONCURRENCY; default 16; bad values named', () => {
    assert.equal(DEFAULT_WRITE_CONCURRENCY, 16);
    assert.equal(writeConcurrencyFrom(undefined, {}), 16);
    assert.equal(writeConcurrencyFrom(undefined, { MORA_WRITE_CONCURRENCY: '4' }), 4);
    assert.equal(writeConcurrencyFrom('1', { MORA_WRITE_CONCURRENCY: '4' }), 1);
    assert.throws(() => writeConcurrencyFrom('0', {}), /--write-concurrency must be an integer from 1 to 256.*"0"/);
    assert.throws(() => writeConcurrencyFrom(undefined, { MORA_WRITE_CONCURRENCY: '2.5' }), /MORA_WRITE_CONCURRENCY must be an integer/);
    assert.throws(() => writeConcurrencyFrom('1000', {}), /from 1 to 256/);
  });

  it('Retry-After: delay-seconds, an HTTP date, absent or unreadable', () => {
    assert.equal(retryAfterMs({ 'retry-after': '2' }), 2000);
    assert.equal(retryAfterMs({ 'Retry-After': '0' }), 0);
    const now = Date.UTC(2026, 10, 29, 8, 0, 0);
    assert.equal(retryAfterMs({ 'retry-after': new Date(now + 3000).toUTCString() }, now), 3000);
    assert.equal(retryAfterMs({ 'retry-after': new Date(now - 3000).toUTCString() }, now), 0);
    assert.equal(retryAfterMs({}), undefined);
    assert.equal(retryAfterMs({ 'retry-after': 'soon' }), undefined);
    assert.equal(retryAfterMs(undefined), undefined);
  });

  describe('VpaWriter and 429 Too Many Requests (a loopback HTTP double of the status subresource)', () => {
    let server: http.Server;
    let dir: string;
    let kubeconfig: string;
    /** How many 429s the double answers before accepting a patch (Infinity: always). */
    let throttle = 0;
    const patches: Array<{ at: number; body: unknown }> = [];
    const vpa: VpaObject = {
      apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name: 'api', namespace: 'shop', resourceVersion: '7' },
      spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, recommenders: [{ name: 'mora' }] },
    } as VpaObject;

    before(async () => {
      server = http.createServer((req, res) => {
        let b = '';
        req.on('data', (d: Buffer) => (b += d.toString()));
        req.on('end', () => {
          const url = new URL(req.url ?? '/', 'http://double');
          // MOrA names itself as the field manager on every write (managedFields show it).
          if (req.method !== 'PATCH' || url.pathname !== '/apis/autoscaling.k8s.io/v1/namespaces/shop/verticalpodautoscalers/api/status'
            || url.searchParams.get('fieldManager') !== 'mora') {
            res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 404 }));
            return;
          }
          patches.push({ at: Date.now(), body: JSON.parse(b) });
          if (throttle > 0) {
            throttle--;
            res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '1' })
              .end(JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'TooManyRequests', code: 429, message: 'Too many requests, please try again later.' }));
            return;
          }
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ...vpa, metadata: { ...vpa.metadata, resourceVersion: '8' } }));
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-write-429-'));
      kubeconfig = writeKubeconfig(dir, { context: 't', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 't' });
    });
    after(async () => {
      await new Promise<void>((r) => server.close(() => r()));
      fs.rmSync(dir, { recursive: true, force: true });
    });
    beforeEach(() => { patches.length = 0; });

    const status = (): VpaStatus => ({ conditions: [{ type: 'RecommendationProvided', status: 'True' as const, reason: 'MOrARecommendation', message: 'm', lastTransitionTime: '2026-11-29T08:00:00Z' }] });

    it('a 429 waits its Retry-After and sends the same patch again; the write succeeds', async function () {
      this.timeout(10_000);
      throttle = 1;
      const writer = new VpaWriter({ kubeconfig });
      assert.equal(await writer.writeStatus(vpa, status), 'written');
      assert.equal(patches.length, 2);
      assert.deepEqual(patches[1].body, patches[0].body, 'the same patch, pinned to the same resourceVersion');
      assert.ok(patches[1].at - patches[0].at >= 950, `waited ${patches[1].at - patches[0].at} ms for Retry-After: 1`);
      assert.equal(writer.writes, 2);
      assert.equal(writer.throttled, 1);
    });

    it('still throttled after its attempts: the write fails (the shard fails and the Job retries it)', async function () {
      this.timeout(10_000);
      throttle = Infinity;
      const writer = new VpaWriter({ kubeconfig, throttleRetries: 3, maxRetryAfterMs: 10 });
      await assert.rejects(writer.writeStatus(vpa, status), (e: Error & { status?: number }) => e.status === 429 && /still throttled after 3 attempts/.test(e.message));
      assert.equal(patches.length, 3);
      assert.equal(writer.throttled, 3);
      throttle = 0;
    });
  });
});
