/**
 * `mora health`: its report is on stdout whatever the exit code (README § Exit codes lists it among the exceptions), so
 * `mora health -f json | jq` reads the failing checks; one line on stderr says how many required checks failed. The
 * Prometheus checked is said with why that one: without --prometheus, $MORA_PROMETHEUS_URL or a kubeconfig it is
 * http://127.0.0.1:9090, which the help and the prometheus line now say (the help said "found in the cluster").
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { healthPrometheus } from '../../src/cli/commands/health';
import { withEnv } from '../harness/env';
import { freeLoopbackPort } from '../harness/ports';
import { mora } from './helpers/run-cli';

describe('mora health: output and the Prometheus it checks', function () {
  this.timeout(30_000);
  let home: string;
  before(() => { home = mkdtempSync(join(tmpdir(), 'mora-health-home-')); });
  after(() => rmSync(home, { recursive: true, force: true }));
  /** No kubeconfig anywhere, no Prometheus URL of the machine's own. */
  const bare = () => ({ MORA_PROMETHEUS_URL: undefined, KUBECONFIG: '', KUBERNETES_SERVICE_HOST: undefined, HOME: home });

  it('a failed check: valid JSON on stdout ("ok": false), exit 3, one line on stderr naming the failed checks', async () => {
    const port = await freeLoopbackPort();
    const r = await withEnv(bare(), () => mora(['health', '--prometheus', `http://127.0.0.1:${port}`, '--no-kubernetes', '-f', 'json', '--timeout', '5']));
    assert.equal(r.code, 3, r.err);
    const body = JSON.parse(r.out) as { ok: boolean; prometheus: { from: string; url: string }; checks: Array<{ name: string; ok: boolean; message: string }> };
    assert.equal(body.ok, false);
    assert.deepEqual(body.prometheus, { from: 'flag', url: `http://127.0.0.1:${port}` });
    assert.match(body.checks.find((c) => c.name === 'prometheus')!.message, /refused the connection/);
    assert.equal(r.err, 'mora: health: 1 required check failed (prometheus): the report is on stdout\n');
    // Text too: the report on stdout, the same line on stderr.
    const text = await withEnv(bare(), () => mora(['health', '--prometheus', `http://127.0.0.1:${port}`, '--no-kubernetes', '--timeout', '5']));
    assert.equal(text.code, 3);
    assert.match(text.out, /^FAIL prometheus: .*refused the connection/);
    assert.equal(text.err, r.err);
  });

  it('a usage error still prints no report: stdout empty, one line, exit 2', async () => {
    const r = await withEnv(bare(), () => mora(['health', '--kubeconfig', join(home, 'missing.yaml'), '-f', 'json']));
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    assert.match(r.err, /^mora: --kubeconfig .*missing\.yaml: no such file\n$/);
  });

  it('without --prometheus, $MORA_PROMETHEUS_URL or a kubeconfig: http://127.0.0.1:9090, said in the line, the JSON and the help', async () => {
    const r = await withEnv(bare(), () => mora(['health', '-f', 'json', '--timeout', '2']));
    // Whether something answers on this machine's 9090 or not, the line says which URL and why.
    const body = JSON.parse(r.out) as { prometheus: { from: string; url: string }; checks: Array<{ name: string; message: string }> };
    assert.deepEqual(body.prometheus, { from: 'default', url: 'http://127.0.0.1:9090' });
    assert.match(body.checks.find((c) => c.name === 'prometheus')!.message,
      /http:\/\/127\.0\.0\.1:9090.*\(http:\/\/127\.0\.0\.1:9090 is the default: no --prometheus, no \$MORA_PROMETHEUS_URL, and no kubeconfig to find Prometheus in the cluster through\)$/);
    const help = (await mora(['health', '--help'])).out.replace(/\s+/g, ' ');
    assert.match(help, /default \$MORA_PROMETHEUS_URL, else found in the cluster of the kubeconfig and queried through the API server, else \(no kubeconfig\) http:\/\/127\.0\.0\.1:9090; the prometheus line says which was checked and why/);
  });

  it('$MORA_PROMETHEUS_URL is named as the source (its credentials never shown); a kubeconfig means discovery', async () => {
    const port = await freeLoopbackPort();
    const r = await withEnv({ ...bare(), MORA_PROMETHEUS_URL: `http://user:s3cret@127.0.0.1:${port}/prom/` }, () => mora(['health', '--no-kubernetes', '-f', 'json', '--timeout', '5']));
    const body = JSON.parse(r.out) as { prometheus: { from: string; url: string }; checks: Array<{ name: string; message: string }> };
    assert.deepEqual(body.prometheus, { from: 'env', url: `http://127.0.0.1:${port}/prom` });
    assert.match(body.checks.find((c) => c.name === 'prometheus')!.message, /\(from \$MORA_PROMETHEUS_URL\)$/);
    assert.ok(!(r.out + r.err).includes('s3cret'));
    assert.deepEqual(healthPrometheus({}, true), { from: 'discovery', why: 'found in the cluster through the API server (no --prometheus or $MORA_PROMETHEUS_URL)' });
  });
});
